using System.Collections;
using System.Management.Automation;
using CloudStorage.Addressing;
using CloudStorage.Errors;
using CloudStorage.PowerShell.Completion;
using CloudStorage.PowerShell.Infrastructure;

namespace CloudStorage.PowerShell.Cmdlets;

/// <summary>
/// <para type="synopsis">Registers a named provider, so that <c>name:key</c> addresses reach a bucket, container or folder.</para>
/// <para type="description">The name needs two or more characters. -Option holds non-secret settings (region,
/// endpoint, profile); options that look like credentials are refused, because credentials come from the cloud's
/// standard places and a registration may be saved in plain text (-Persist writes it to the config file).
/// A relative local path is made absolute against the current directory.</para>
/// </summary>
[Cmdlet(VerbsLifecycle.Register, "StorageRemote", SupportsShouldProcess = true)]
[OutputType(typeof(ProviderRegistration))]
public sealed class RegisterStorageRemoteCommand : StorageCmdletBase
{
    /// <summary>The provider's name.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string Name { get; set; } = "";

    /// <summary>The root address the name stands for.</summary>
    [Parameter(Mandatory = true, Position = 1, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(AddressArgumentCompleter))]
    public string Uri { get; set; } = "";

    /// <summary>Non-secret provider options.</summary>
    [Parameter]
    public Hashtable? Option { get; set; }

    /// <summary>Replace an existing registration of the same name.</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    /// <summary>Also save the registration in the config file.</summary>
    [Parameter]
    public SwitchParameter Persist { get; set; }

    /// <summary>Write the registration.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    /// <inheritdoc />
    protected override void ProcessRecordCore()
    {
        var context = Context;
        var options = SendStorageObjectCommand.ToDictionary(Option) ?? new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        // Secret-like option names are refused by the registry itself (SecretOptionNames), one rule for every caller.

        try
        {
            // A local root is stored absolute: resolved now, through the session (~, PSDrives, the current location).
            var uri = SessionAddress(Uri);
            if (StorageUri.Parse(uri) is { Kind: AddressKind.LocalPath, LocalPath: { } local } && !Path.IsPathFullyQualified(local))
                uri = Path.GetFullPath(local, context.CurrentDirectory);
            var where = Persist.IsPresent && context.Registry.ConfigFile is { } file ? $" and save it to '{file.Path}'" : "";
            if (!context.ShouldProcess(Name, $"Register storage provider for '{uri}'{where}")) return;
            var registration = context.Registry.Register(Name, uri, options, Force.IsPresent, Persist.IsPresent);
            context.WriteVerbose($"Registered provider '{registration.Name}' for {registration.Uri} ({registration.Source})");
            if (PassThru.IsPresent) context.WriteObject(registration);
        }
        catch (Exception ex) when (ErrorRecords.IsItemFailure(ex))
        {
            WriteFailure(context, ex, Name);
        }
    }
}
