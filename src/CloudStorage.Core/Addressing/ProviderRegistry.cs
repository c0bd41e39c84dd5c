using System.Collections.Concurrent;
using System.Text.RegularExpressions;
using CloudStorage.Core.Errors;
using CloudStorage.Core.Providers;
using CloudStorage.Core.Providers.Composite;
using CloudStorage.Core.Providers.Local;
using CloudStorage.Core.Providers.Memory;

namespace CloudStorage.Core.Addressing;

/// <summary>
/// Turns addresses into providers: memory stores and local roots on demand, cloud schemes through registered
/// <see cref="IProviderFactory"/>s, and named providers registered in the session or loaded from the config
/// file. The session's registry (<see cref="Session"/>) is the only static mutable state of the engine.
/// </summary>
public sealed partial class ProviderRegistry
{
    private static readonly Lazy<ProviderRegistry> SessionRegistry = new(() => new ProviderRegistry(new ProviderConfigFile(ProviderConfigFile.DefaultPath())));

    private readonly ConcurrentDictionary<string, IProviderFactory> _factories = new(StringComparer.OrdinalIgnoreCase);
    private readonly ConcurrentDictionary<string, ProviderRegistration> _registrations = new(StringComparer.OrdinalIgnoreCase);
    private readonly ConcurrentDictionary<string, IStorageProvider> _instances = new(StringComparer.Ordinal);
    private readonly ProviderConfigFile? _configFile;
    private readonly object _loadLock = new();
    private bool _configLoaded;
    private IReplicaBreakerFactory? _breakers;

    // Composites may name other named providers; deeper nesting than this is taken for a cycle.
    private const int MaxNesting = 8;

    /// <summary>A registry of its own (not the session's), without a config file.</summary>
    public ProviderRegistry() { }

    /// <summary>A registry; named providers are also read from <paramref name="configFile"/> when given.</summary>
    internal ProviderRegistry(ProviderConfigFile? configFile) => _configFile = configFile;

    /// <summary>The registry of this PowerShell session (or process).</summary>
    public static ProviderRegistry Session => SessionRegistry.Value;

    /// <summary>The config file backing persisted registrations, if any.</summary>
    internal ProviderConfigFile? ConfigFile => _configFile;

    [GeneratedRegex("^[A-Za-z][A-Za-z0-9_.-]+$")]
    private static partial Regex NamePattern();

    /// <summary>Adds the factory for a cloud scheme (replacing any earlier one).</summary>
    public void RegisterFactory(IProviderFactory factory) => _factories[factory.Scheme] = factory;

    /// <summary>
    /// Sets where the circuit breakers of replicated providers come from (the cloud providers' assembly registers a Polly
    /// one); without it a replica is never taken out of rotation, only failed over.
    /// </summary>
    public void RegisterReplicaBreakers(IReplicaBreakerFactory factory)
    {
        ArgumentNullException.ThrowIfNull(factory);
        _breakers = factory;
        DropComposites();
    }

    /// <summary>The names of the memory stores this registry has created (<c>mem://name</c>), sorted; for completion.</summary>
    internal IReadOnlyList<string> MemoryStoreNames =>
        _instances.Keys.Where(k => k.StartsWith("mem://", StringComparison.Ordinal)).Select(k => k["mem://".Length..]).Order(StringComparer.Ordinal).ToList();

    /// <summary>The schemes that can be resolved right now.</summary>
    public IReadOnlyCollection<string> Schemes => ["mem", "file", .. _factories.Keys.Order(StringComparer.Ordinal)];

    /// <summary>
    /// Registers a named provider. The name needs two or more characters (letters, digits, '_', '-', '.'),
    /// cannot be a URI scheme, and replaces an existing one only with <paramref name="force"/>.
    /// With <paramref name="persist"/> it is written to the config file too. Secret-like option names are refused
    /// (<see cref="SecretOptionNames"/>).
    /// </summary>
    public ProviderRegistration Register(string name, string uri, IReadOnlyDictionary<string, string>? options = null, bool force = false, bool persist = false)
    {
        EnsureConfigLoaded();
        ValidateName(name);
        var target = StorageUri.Parse(uri);
        if (target.Kind == AddressKind.Named)
            throw new StorageException(StorageErrorKind.InvalidArgument, $"A provider must point at a URI or a local path, not at another name ('{uri}').", name);
        if (target.Kind == AddressKind.LocalPath && !Path.IsPathFullyQualified(target.LocalPath!))
            throw new StorageException(StorageErrorKind.InvalidArgument, $"The local root '{uri}' of provider '{name}' must be an absolute path.", name);
        return Store(new ProviderRegistration { Name = name, Uri = uri, Options = Copy(options) }, force, persist);
    }

    /// <summary>
    /// Registers a replicated provider: writes go to the first of <paramref name="replicas"/> (the primary) and to the
    /// others, reads come from the first healthy one. Replicas are URIs, absolute local paths or other named providers
    /// (with a key prefix: <c>s3e:media/</c>); at least two, each once. <paramref name="options"/> tune the circuit
    /// breakers (<c>break-duration</c>, seconds).
    /// </summary>
    public ProviderRegistration RegisterReplicated(string name, IReadOnlyList<string> replicas, ReplicaPolicy policy = ReplicaPolicy.All,
        IReadOnlyDictionary<string, string>? options = null, bool force = false, bool persist = false)
    {
        ArgumentNullException.ThrowIfNull(replicas);
        EnsureConfigLoaded();
        ValidateName(name);
        if (replicas.Count < 2)
            throw new StorageException(StorageErrorKind.InvalidArgument, $"A replicated provider needs two or more replicas, not {replicas.Count}.", name);
        if (!Enum.IsDefined(policy))
            throw new StorageException(StorageErrorKind.InvalidArgument, $"'{policy}' is not a replica policy: use All, Primary or Quorum.", name);
        foreach (var replica in replicas) ValidateMember(name, replica);
        if (replicas.Distinct(StringComparer.Ordinal).Count() != replicas.Count)
            throw new StorageException(StorageErrorKind.InvalidArgument, $"A replica of '{name}' is listed twice.", name);
        return Store(new ProviderRegistration { Name = name, Uri = replicas[0], Replicas = replicas.ToArray(), Policy = policy, Options = Copy(options) }, force, persist);
    }

    /// <summary>
    /// Registers a routed provider: each key goes to the first route whose pattern matches it (a wildcard over the whole
    /// key, case-insensitive; <c>*</c> catches the rest). A key no route matches is refused (InvalidKey).
    /// </summary>
    public ProviderRegistration RegisterRouted(string name, IReadOnlyList<ProviderRoute> routes, bool force = false, bool persist = false)
    {
        ArgumentNullException.ThrowIfNull(routes);
        EnsureConfigLoaded();
        ValidateName(name);
        if (routes.Count == 0)
            throw new StorageException(StorageErrorKind.InvalidArgument, $"A routed provider needs at least one route.", name);
        foreach (var route in routes)
        {
            if (string.IsNullOrEmpty(route.Pattern))
                throw new StorageException(StorageErrorKind.InvalidArgument, $"A route of '{name}' has no pattern.", name);
            ValidateMember(name, route.Uri);
        }
        return Store(new ProviderRegistration { Name = name, Uri = string.Join("; ", routes), Routes = routes.ToArray() }, force, persist);
    }

    private static void ValidateName(string name)
    {
        if (string.IsNullOrEmpty(name) || !NamePattern().IsMatch(name))
            throw new StorageException(StorageErrorKind.InvalidArgument,
                $"'{name}' is not a valid provider name: use two or more letters, digits, '_', '-' or '.', starting with a letter.", name);
        if (StorageUri.CloudSchemes.Contains(name.ToLowerInvariant()) || name.Equals("file", StringComparison.OrdinalIgnoreCase))
            throw new StorageException(StorageErrorKind.InvalidArgument, $"'{name}' is a URI scheme and cannot be a provider name.", name);
    }

    private static void ValidateMember(string name, string address)
    {
        var target = StorageUri.Parse(address);
        if (target.Kind == AddressKind.Named && string.Equals(target.ProviderName, name, StringComparison.OrdinalIgnoreCase))
            throw new StorageException(StorageErrorKind.InvalidArgument, $"Provider '{name}' cannot be a member of itself ('{address}').", name);
        if (target.Kind == AddressKind.LocalPath && !Path.IsPathFullyQualified(target.LocalPath!))
            throw new StorageException(StorageErrorKind.InvalidArgument, $"The local member '{address}' of provider '{name}' must be an absolute path.", name);
    }

    private static Dictionary<string, string> Copy(IReadOnlyDictionary<string, string>? options) =>
        new(options ?? new Dictionary<string, string>(), StringComparer.OrdinalIgnoreCase);

    private ProviderRegistration Store(ProviderRegistration registration, bool force, bool persist)
    {
        var name = registration.Name;
        SecretOptionNames.EnsureNone(registration.Options.Keys, name);
        if (!force && _registrations.ContainsKey(name))
            throw new StorageException(StorageErrorKind.AlreadyExists, $"A provider named '{name}' is already registered; use -Force to replace it.", name);
        if (persist && _configFile is null)
            throw new StorageException(StorageErrorKind.Configuration, "This registry has no config file to persist to.", name);
        registration = registration with { Source = persist ? _configFile!.Path : "Session" };
        _registrations[name] = registration;
        _instances.TryRemove("named:" + name, out _);
        // A composite holds its members' providers: any change of a name rebuilds them on next use.
        DropComposites();
        if (persist) _configFile!.Save(registration);
        return registration;
    }

    private void DropComposites()
    {
        foreach (var r in _registrations.Values)
            if (r.Replicas.Count > 0 || r.Routes.Count > 0) _instances.TryRemove("named:" + r.Name, out _);
    }

    /// <summary>Removes a named provider (and, with <paramref name="persist"/>, from the config file). False when unknown.</summary>
    public bool Unregister(string name, bool persist = false)
    {
        EnsureConfigLoaded();
        var removed = _registrations.TryRemove(name, out _);
        _instances.TryRemove("named:" + name, out _);
        DropComposites();
        if (persist && _configFile is not null) removed |= _configFile.Remove(name);
        return removed;
    }

    /// <summary>The registrations whose names match the wildcard pattern (all when null), sorted by name.</summary>
    public IReadOnlyList<ProviderRegistration> GetRegistrations(string? namePattern = null)
    {
        EnsureConfigLoaded();
        var matcher = namePattern is null ? null : Wildcard.ToRegex(namePattern);
        return _registrations.Values.Where(r => matcher is null || matcher.IsMatch(r.Name))
            .OrderBy(r => r.Name, StringComparer.OrdinalIgnoreCase).ToList();
    }

    /// <summary>
    /// Resolves an address to its provider and key. Relative local paths resolve against
    /// <paramref name="currentDirectory"/>. NotFound for an unknown provider name, Unsupported for a scheme whose
    /// provider is not loaded.
    /// </summary>
    internal StorageLocation Resolve(string address, string? currentDirectory = null) => Resolve(address, currentDirectory, 0);

    private StorageLocation Resolve(string address, string? currentDirectory, int depth)
    {
        var uri = StorageUri.Parse(address);
        switch (uri.Kind)
        {
            case AddressKind.LocalPath:
                return ResolveLocal(uri.LocalPath!, currentDirectory);
            case AddressKind.Named:
            {
                EnsureConfigLoaded();
                if (!_registrations.TryGetValue(uri.ProviderName!, out var registration))
                    throw new StorageException(StorageErrorKind.NotFound,
                        $"No provider named '{uri.ProviderName}' is registered. Use Register-StorageRemote, or Get-StorageRemote to list them.", address);
                if (depth > MaxNesting)
                    throw new StorageException(StorageErrorKind.Configuration,
                        $"Provider '{registration.Name}' is nested more than {MaxNesting} deep in composite providers: do its members name each other?", address);
                var provider = _instances.GetOrAdd("named:" + registration.Name, _ => CreateNamed(registration, depth));
                return new StorageLocation(provider, uri.Key);
            }
            default:
                return new StorageLocation(GetCloudProvider(uri, new Dictionary<string, string>()), uri.Key);
        }
    }

    private IStorageProvider CreateNamed(ProviderRegistration registration, int depth)
    {
        if (registration.Replicas.Count > 0)
        {
            var replicas = registration.Replicas.Select(r => Member(r, depth)).ToList();
            var breakers = _breakers;
            return new ReplicatedStorageProvider(registration.Name, replicas, registration.Policy,
                replicas.Select(r => breakers?.Create(r.AddressRoot, registration.Options) ?? PassThroughBreaker.Instance).ToList());
        }
        if (registration.Routes.Count > 0)
            return new RoutedStorageProvider(registration.Name, registration.Routes.Select(r => (r.Pattern, Member(r.Uri, depth))).ToList());
        var target = StorageUri.Parse(registration.Uri);
        if (target.Kind == AddressKind.LocalPath)
        {
            // A local root of its own: keys are confined under it and emptied folders are pruned (never the root).
            var root = Path.GetFullPath(target.LocalPath!);
            return new NamedProvider(registration.Name, new LocalStorageProvider(root, registration.Name), "");
        }
        var location = new StorageLocation(GetCloudProvider(target, registration.Options), target.Key);
        return new NamedProvider(registration.Name, location.Provider, location.Key);
    }

    /// <summary>A composite's member: the provider an address names, rooted at its key (as a prefix).</summary>
    private IStorageProvider Member(string address, int depth)
    {
        var target = StorageUri.Parse(address);
        if (target.Kind == AddressKind.LocalPath)
            return new LocalStorageProvider(Path.GetFullPath(target.LocalPath!));
        var location = Resolve(address, null, depth + 1);
        return location.Key.Length == 0 ? location.Provider : new SubtreeProvider(location.Provider, location.AsPrefix);
    }

    private IStorageProvider GetCloudProvider(StorageUri uri, IReadOnlyDictionary<string, string> options)
    {
        var id = $"{uri.Scheme}://{(uri.Account is null ? "" : uri.Account + "/")}{uri.Container}";
        if (uri.Scheme == "mem")
            return _instances.GetOrAdd(id, _ => new MemoryStorageProvider(uri.Container!));
        if (!_factories.TryGetValue(uri.Scheme!, out var factory))
            throw new StorageException(StorageErrorKind.Unsupported,
                $"No provider for '{uri.Scheme}://' addresses is loaded in this version of CloudStorage ('{uri.Original}').", uri.Original);
        // A registration's options (endpoint, region, profile) make it a provider of its own, cached under its name.
        return options.Count > 0 ? factory.Create(uri, options) : _instances.GetOrAdd(id, _ => factory.Create(uri, options));
    }

    private StorageLocation ResolveLocal(string path, string? currentDirectory)
    {
        var full = Path.IsPathFullyQualified(path)
            ? Path.GetFullPath(path)
            : Path.GetFullPath(path, currentDirectory ?? Directory.GetCurrentDirectory());
        var root = Path.GetPathRoot(full)!;
        var key = full[root.Length..].Replace('\\', '/');
        // Keep "dir/" meaning the folder's content when the user wrote a trailing separator.
        if ((path.EndsWith('/') || path.EndsWith('\\')) && key.Length > 0 && !key.EndsWith('/')) key += "/";
        // Ad-hoc paths share one provider per file-system root; it never removes the user's folders.
        var provider = _instances.GetOrAdd("file:" + root, _ => new LocalStorageProvider(root, pruneEmptyDirectories: false));
        return new StorageLocation(provider, key);
    }

    private void EnsureConfigLoaded()
    {
        if (_configLoaded || _configFile is null) return;
        lock (_loadLock)
        {
            if (_configLoaded) return;
            foreach (var r in _configFile.Load()) _registrations.TryAdd(r.Name, r);
            _configLoaded = true;
        }
    }
}
