using System.Management.Automation;
using CloudStorage.Core.Model;

namespace CloudStorage.PowerShell.Infrastructure;

/// <summary>
/// Leaves a sync's summary out of an address parameter: Sync-StorageProvider's last object, a SyncSummary, has no
/// Uri, so PowerShell would otherwise bind its text as an address. Actions bind by their Uri as before.
/// </summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
internal sealed class NoSyncSummaryAttribute : ArgumentTransformationAttribute
{
    /// <inheritdoc />
    public override object? Transform(EngineIntrinsics engineIntrinsics, object? inputData)
    {
        static bool IsSummary(object? o) => (o is PSObject p ? p.BaseObject : o) is SyncSummary;
        if (IsSummary(inputData)) return Array.Empty<string>();
        if ((inputData is PSObject p ? p.BaseObject : inputData) is object[] many && many.Any(IsSummary))
            return many.Where(o => !IsSummary(o)).ToArray();
        return inputData;
    }
}
