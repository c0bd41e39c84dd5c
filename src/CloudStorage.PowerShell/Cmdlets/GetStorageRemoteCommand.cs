using System.Management.Automation;
using CloudStorage.Core.Addressing;
using CloudStorage.Core.Errors;
using CloudStorage.PowerShell.Completion;
using CloudStorage.PowerShell.Infrastructure;

namespace CloudStorage.PowerShell.Cmdlets;

/// <summary>
/// <para type="synopsis">Lists the named providers registered in the session or the config file.</para>
/// <para type="description">-Name takes wildcards; a name without wildcards that is not registered is an
/// ObjectNotFound error.</para>
/// </summary>
[Cmdlet(VerbsCommon.Get, "StorageRemote")]
[OutputType(typeof(ProviderRegistration))]
public sealed class GetStorageRemoteCommand : StorageCmdletBase
{
    /// <summary>Names or wildcard patterns; all providers when omitted.</summary>
    [Parameter(Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [SupportsWildcards]
    [ArgumentCompleter(typeof(ProviderNameArgumentCompleter))]
    public string[]? Name { get; set; }

    /// <inheritdoc />
    protected override void ProcessRecordCore()
    {
        var context = Context;
        try
        {
            if (Name is null || Name.Length == 0)
            {
                foreach (var registration in context.Registry.GetRegistrations()) context.WriteObject(registration);
                return;
            }
            var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            foreach (var pattern in Name)
            {
                var matches = context.Registry.GetRegistrations(pattern);
                if (matches.Count == 0 && !Wildcard.ContainsWildcard(pattern))
                {
                    context.WriteError(ErrorRecords.Create(StorageErrorKind.NotFound, $"No provider named '{pattern}' is registered.", pattern));
                    continue;
                }
                foreach (var registration in matches)
                    if (seen.Add(registration.Name)) context.WriteObject(registration);
            }
        }
        catch (StorageException ex)
        {
            // A malformed config file concerns every name: stop.
            throw new TerminatingErrorException(ErrorRecords.From(ex, ex.Target));
        }
    }
}
