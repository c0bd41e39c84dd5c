using System.Management.Automation;
using CloudStorage.Core.Addressing;
using CloudStorage.Core.Errors;
using CloudStorage.PowerShell.Completion;
using CloudStorage.PowerShell.Infrastructure;

namespace CloudStorage.PowerShell.Cmdlets;

/// <summary>
/// <para type="synopsis">Removes named providers from the session (and, with -Persist, from the config file).</para>
/// <para type="description">An unknown name is an ObjectNotFound error. -PassThru writes each removed registration.</para>
/// </summary>
[Cmdlet(VerbsLifecycle.Unregister, "StorageRemote", SupportsShouldProcess = true)]
[OutputType(typeof(ProviderRegistration))]
public sealed class UnregisterStorageRemoteCommand : StorageCmdletBase
{
    /// <summary>The providers' names.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(ProviderNameArgumentCompleter))]
    public string[] Name { get; set; } = [];

    /// <summary>Also remove them from the config file.</summary>
    [Parameter]
    public SwitchParameter Persist { get; set; }

    /// <summary>Write each removed registration.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    /// <inheritdoc />
    protected override void ProcessRecordCore()
    {
        var context = Context;
        foreach (var name in Name)
        {
            try
            {
                var registration = context.Registry.GetRegistrations()
                    .FirstOrDefault(r => string.Equals(r.Name, name, StringComparison.OrdinalIgnoreCase));
                if (registration is null)
                {
                    context.WriteError(ErrorRecords.Create(StorageErrorKind.NotFound, $"No provider named '{name}' is registered.", name));
                    continue;
                }
                var where = Persist.IsPresent && context.Registry.ConfigFile is { } file ? $" and from '{file.Path}'" : "";
                if (!context.ShouldProcess(registration.Name, $"Unregister storage provider{where}")) continue;
                context.Registry.Unregister(registration.Name, Persist.IsPresent);
                context.WriteVerbose($"Unregistered provider '{registration.Name}'");
                if (PassThru.IsPresent) context.WriteObject(registration);
            }
            catch (Exception ex) when (ErrorRecords.IsItemFailure(ex))
            {
                WriteFailure(context, ex, name);
            }
        }
    }
}
