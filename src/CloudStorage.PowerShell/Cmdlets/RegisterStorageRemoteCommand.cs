using System.Collections;
using System.Management.Automation;
using CloudStorage.Core.Addressing;
using CloudStorage.Core.Errors;
using CloudStorage.PowerShell.Completion;
using CloudStorage.PowerShell.Infrastructure;
using CloudStorage.Core.Providers.Composite;

namespace CloudStorage.PowerShell.Cmdlets;

/// <summary>
/// <para type="synopsis">Registers a named provider, so that <c>name:key</c> addresses reach a bucket, container or folder.</para>
/// <para type="description">The name needs two or more characters. -Option holds non-secret settings (region,
/// endpoint, profile); options that look like credentials are refused, because credentials come from the cloud's
/// standard places and a registration may be saved in plain text (-Persist writes it to the config file).
/// A relative local path is made absolute against the current directory.
/// -Replica registers a replicated provider: writes go to the first address (the primary) and every other one,
/// reads come from the first that answers; -Policy says what counts as a successful write (All, Primary, Quorum).
/// -Route registers a routed provider: an ordered dictionary of wildcard patterns to addresses, the first match
/// taking the key ('*' for the rest). Members may be URIs, absolute local paths or other named providers.</para>
/// </summary>
[Cmdlet(VerbsLifecycle.Register, "StorageRemote", SupportsShouldProcess = true)]
[OutputType(typeof(ProviderRegistration))]
public sealed class RegisterStorageRemoteCommand : StorageCmdletBase
{
    /// <summary>The parameter set of a provider over one root address.</summary>
    public const string UriParameterSet = "Uri";

    /// <summary>The parameter set of a replicated provider.</summary>
    public const string ReplicatedParameterSet = "Replicated";

    /// <summary>The parameter set of a provider given as a registration (Get-StorageRemote's output).</summary>
    public const string RegistrationParameterSet = "Registration";

    /// <summary>The parameter set of a routed provider.</summary>
    public const string RoutedParameterSet = "Routed";

    /// <summary>The provider's name.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string Name { get; set; } = "";

    /// <summary>The root address the name stands for.</summary>
    [Parameter(Mandatory = true, Position = 1, ValueFromPipelineByPropertyName = true, ParameterSetName = UriParameterSet)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(AddressArgumentCompleter))]
    public string Uri { get; set; } = "";

    /// <summary>The replicas' root addresses, the primary first (two or more).</summary>
    [Parameter(Mandatory = true, ParameterSetName = ReplicatedParameterSet)]
    [ValidateCount(2, 16)]
    [ArgumentCompleter(typeof(AddressArgumentCompleter))]
    public string[] Replica { get; set; } = [];

    /// <summary>What counts as a successful write or delete of a replicated provider (default All).</summary>
    [Parameter(ParameterSetName = ReplicatedParameterSet)]
    public ReplicaPolicy Policy { get; set; } = ReplicaPolicy.All;

    /// <summary>Wildcard patterns to root addresses, in order (an [ordered] dictionary; '*' for the rest).</summary>
    [Parameter(Mandatory = true, ParameterSetName = RoutedParameterSet)]
    [ValidateNotNull]
    public IDictionary? Route { get; set; }

    /// <summary>
    /// A registration to register as it is — its address, options, replicas and policy, or routes — under its own name
    /// or -Name (from Get-StorageRemote, to copy a name or to save a session's registration with -Persist).
    /// </summary>
    [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = RegistrationParameterSet)]
    [ValidateNotNull]
    public ProviderRegistration? InputObject { get; set; }

    /// <summary>Non-secret provider options (a replicated provider takes break-duration, in seconds).</summary>
    [Parameter(ParameterSetName = UriParameterSet)]
    [Parameter(ParameterSetName = ReplicatedParameterSet)]
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
            if (ParameterSetName == RegistrationParameterSet)
            {
                RegisterAsItIs(InputObject!);
                return;
            }
            if (ParameterSetName == ReplicatedParameterSet)
            {
                var replicas = Replica.Select(MemberAddress).ToArray();
                if (!ConfirmRegistration($"Register replicated storage provider over {string.Join(", ", replicas)} (policy {Policy})")) return;
                Done(context.Registry.RegisterReplicated(Name, replicas, Policy, options, Force.IsPresent, Persist.IsPresent));
                return;
            }
            if (ParameterSetName == RoutedParameterSet)
            {
                var routes = Routes();
                if (!ConfirmRegistration($"Register routed storage provider: {string.Join("; ", routes)}")) return;
                Done(context.Registry.RegisterRouted(Name, routes, Force.IsPresent, Persist.IsPresent));
                return;
            }
            // A local root is stored absolute: resolved now, through the session (~, PSDrives, the current location).
            var uri = SessionAddress(Uri);
            if (StorageUri.Parse(uri) is { Kind: AddressKind.LocalPath, LocalPath: { } local } && !Path.IsPathFullyQualified(local))
                uri = Path.GetFullPath(local, context.CurrentDirectory);
            var where = Persist.IsPresent && context.Registry.ConfigFile is { } file ? $" and save it to '{file.Path}'" : "";
            if (!context.ShouldProcess(Name, $"Register storage provider for '{uri}'{where}")) return;
            Done(context.Registry.Register(Name, uri, options, Force.IsPresent, Persist.IsPresent));
        }
        catch (Exception ex) when (ErrorRecords.IsItemFailure(ex))
        {
            WriteFailure(context, ex, Name);
        }
    }

    // Every part of the registration is taken (its addresses are absolute already); only the name may differ.
    private void RegisterAsItIs(ProviderRegistration registration)
    {
        var registry = Context.Registry;
        var options = new Dictionary<string, string>(registration.Options, StringComparer.OrdinalIgnoreCase);
        if (registration.Replicas.Count > 0)
        {
            if (!ConfirmRegistration($"Register replicated storage provider over {string.Join(", ", registration.Replicas)} (policy {registration.Policy})")) return;
            Done(registry.RegisterReplicated(Name, [.. registration.Replicas], registration.Policy, options, Force.IsPresent, Persist.IsPresent));
        }
        else if (registration.Routes.Count > 0)
        {
            if (!ConfirmRegistration($"Register routed storage provider: {string.Join("; ", registration.Routes)}")) return;
            Done(registry.RegisterRouted(Name, [.. registration.Routes], Force.IsPresent, Persist.IsPresent));
        }
        else
        {
            if (!ConfirmRegistration($"Register storage provider for '{registration.Uri}'")) return;
            Done(registry.Register(Name, registration.Uri, options, Force.IsPresent, Persist.IsPresent));
        }
    }

    private bool ConfirmRegistration(string action)
    {
        var where = Persist.IsPresent && Context.Registry.ConfigFile is { } file ? $" and save it to '{file.Path}'" : "";
        return Context.ShouldProcess(Name, action + where);
    }

    private void Done(ProviderRegistration registration)
    {
        Context.WriteVerbose($"Registered provider '{registration.Name}' ({registration.ProviderType}) for {registration.Uri} ({registration.Source})");
        if (PassThru.IsPresent) Context.WriteObject(registration);
    }

    // A member that is a local path is stored absolute, resolved through the session like -Uri.
    private string MemberAddress(string address)
    {
        var resolved = SessionAddress(address);
        return StorageUri.Parse(resolved) is { Kind: AddressKind.LocalPath, LocalPath: { } local } && !Path.IsPathFullyQualified(local)
            ? Path.GetFullPath(local, Context.CurrentDirectory)
            : resolved;
    }

    // The routes in the dictionary's order; a plain hashtable has none, so with two or more routes it is refused.
    private List<ProviderRoute> Routes()
    {
        if (Route!.Count > 1 && Route is Hashtable)
            throw new StorageException(StorageErrorKind.InvalidArgument,
                "-Route needs an ordered dictionary when it has two or more routes, because the first matching route wins: write [ordered]@{ '*.jpg' = 'gs://b/'; '*' = 's3://b/' }.", Name);
        var routes = new List<ProviderRoute>();
        foreach (DictionaryEntry entry in Route)
        {
            var pattern = LanguagePrimitives.ConvertTo<string>(entry.Key);
            var address = LanguagePrimitives.ConvertTo<string>(entry.Value);
            if (string.IsNullOrEmpty(address))
                throw new StorageException(StorageErrorKind.InvalidArgument, $"The route '{pattern}' of '{Name}' has no address.", Name);
            routes.Add(new ProviderRoute(pattern, MemberAddress(address)));
        }
        return routes;
    }
}
