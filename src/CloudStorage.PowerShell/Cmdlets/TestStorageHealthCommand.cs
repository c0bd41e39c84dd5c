using System.Management.Automation;
using CloudStorage.Core.Health;
using CloudStorage.PowerShell.Completion;
using CloudStorage.PowerShell.Infrastructure;

namespace CloudStorage.PowerShell.Cmdlets;

/// <summary>
/// <para type="synopsis">Probes stores: reachable, credentials accepted, list, write, read and delete of a probe object, with latencies.</para>
/// <para type="description">Writes one StorageHealthCheck per check: Reachable, Credentials, List, Write, Read and
/// Delete (with -ReadOnly nothing is written: Read reads the first byte of the first object listed, Write and Delete are
/// Skipped). The probe object is a small '.cloudstorage-health-' object under the address, deleted at the end. A
/// replicated address is probed replica by replica, with each replica's circuit breaker (a Breaker check); a routed
/// address store by store. A store that is down yields Failed checks, not errors, so a runbook can filter on Status or
/// IsHealthy.</para>
/// </summary>
[Cmdlet(VerbsDiagnostic.Test, "StorageHealth")]
[OutputType(typeof(StorageHealthCheck))]
public sealed class TestStorageHealthCommand : StorageCmdletBase
{
    /// <summary>The stores to probe (an address or prefix; a named provider's root is <c>name:</c>).</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("Path")]
    [ArgumentCompleter(typeof(AddressArgumentCompleter))]
    public string[] Uri { get; set; } = [];

    /// <summary>List and read only; write and delete nothing.</summary>
    [Parameter]
    public SwitchParameter ReadOnly { get; set; }

    /// <inheritdoc />
    protected override void ProcessRecordCore()
    {
        var addresses = SessionAddresses(Uri);
        var options = new StorageHealthOptions { ReadOnly = ReadOnly.IsPresent };
        RunAsync(async (context, ct) =>
        {
            foreach (var address in addresses)
            {
                try
                {
                    var location = Resolve(context, address);
                    await foreach (var check in StorageHealthProbe.ProbeAsync(location, options, ct).ConfigureAwait(false))
                    {
                        if (check.Status == HealthStatus.Failed) context.WriteVerbose($"{check.Target} {check.Check}: {check.Message}");
                        context.WriteObject(check);
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
