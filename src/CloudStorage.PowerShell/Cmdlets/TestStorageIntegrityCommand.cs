using System.Management.Automation;
using CloudStorage.Core.Addressing;
using CloudStorage.Core.Integrity;
using CloudStorage.Core.Model;
using CloudStorage.PowerShell.Completion;
using CloudStorage.PowerShell.Infrastructure;
using CloudStorage.Core.Transfer;

namespace CloudStorage.PowerShell.Cmdlets;

/// <summary>
/// <para type="synopsis">Checks stored objects against a reference, or against their own hashes.</para>
/// <para type="description">Compares by a hash both sides hold natively, else a hash stored at upload, else (with
/// -Download) by reading both. When -Reference is a prefix and -Uri one object, the object is compared with the
/// reference object of the same name. Without -Reference each object is verified against its own reported hash
/// (needs -Download). -Reference binds SourceUri from Sync-StorageProvider's actions and ReferenceUri from
/// earlier results.</para>
/// </summary>
[Cmdlet(VerbsDiagnostic.Test, "StorageIntegrity")]
[OutputType(typeof(IntegrityResult))]
public sealed class TestStorageIntegrityCommand : StorageCmdletBase
{
    /// <summary>The objects or prefixes to check (a SyncSummary on the pipeline binds nothing).</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [NoSyncSummary]
    [AllowEmptyCollection]
    [Alias("Path", "LiteralPath")]
    [ArgumentCompleter(typeof(AddressArgumentCompleter))]
    public string[] Uri { get; set; } = [];

    /// <summary>The object or prefix to compare with.</summary>
    [Parameter(Position = 1, ValueFromPipelineByPropertyName = true)]
    [Alias("SourceUri", "ReferenceUri")]
    [ArgumentCompleter(typeof(AddressArgumentCompleter))]
    public string? Reference { get; set; }

    /// <summary>Read the content when no hash can decide.</summary>
    [Parameter]
    public SwitchParameter Download { get; set; }

    /// <summary>Compare whole trees below prefixes (one level otherwise).</summary>
    [Parameter]
    public SwitchParameter Recurse { get; set; }

    /// <summary>
    /// Binds Sync-StorageProvider's Action property only (hidden): a Delete action names an object the sync removed,
    /// so there is nothing to check and the record is skipped instead of reported as missing. PowerShell resets it
    /// for every pipeline object.
    /// </summary>
    [Parameter(ValueFromPipelineByPropertyName = true, DontShow = true)]
    [Alias("Action")]
    public SyncActionKind? SyncAction { get; set; }

    private IntegrityChecker? _checker;

    /// <inheritdoc />
    protected override void ProcessRecordCore()
    {
        if (SyncAction == SyncActionKind.Delete)
        {
            WriteVerbose($"Skipped (deleted by the sync): {string.Join(", ", Uri)}");
            return;
        }
        var addresses = Array.ConvertAll(Uri, a => string.IsNullOrEmpty(a) ? a : SessionAddress(a));
        var referenceAddress = string.IsNullOrEmpty(Reference) ? null : SessionAddress(Reference);
        RunAsync(async (context, ct) =>
    {
        _checker ??= new IntegrityChecker(new TransferEngine());
        var options = new IntegrityOptions { Download = Download.IsPresent, Recurse = Recurse.IsPresent };
        for (var i = 0; i < addresses.Length; i++)
        {
            ct.ThrowIfCancellationRequested();
            var address = Uri[i];
            if (string.IsNullOrEmpty(address))
            {
                WriteFailure(context, new Core.Errors.StorageException(Core.Errors.StorageErrorKind.InvalidArgument, "-Uri must not be empty.", ""), "");
                continue;
            }
            try
            {
                // A missing object is a result here (Missing), not an error: resolved without the existence check.
                var target = Resolve(context, addresses[i]);
                var reference = referenceAddress is null ? null : Resolve(context, referenceAddress);
                await foreach (var result in _checker.CheckAsync(target, reference, options, ct).ConfigureAwait(false))
                {
                    if (result.Status != IntegrityStatus.Match) context.WriteVerbose($"{result.Status}: {result.Uri} ({result.Detail})");
                    context.WriteObject(result);
                }
            }
            catch (Exception ex) when (ErrorRecords.IsItemFailure(ex))
            {
                WriteFailure(context, ex, address);
            }
        }
    });
    }
}
