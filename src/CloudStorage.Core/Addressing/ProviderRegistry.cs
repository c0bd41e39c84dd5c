using System.Collections.Concurrent;
using System.Text.RegularExpressions;
using CloudStorage.Errors;
using CloudStorage.Providers;
using CloudStorage.Providers.Local;
using CloudStorage.Providers.Memory;

namespace CloudStorage.Addressing;

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
        if (string.IsNullOrEmpty(name) || !NamePattern().IsMatch(name))
            throw new StorageException(StorageErrorKind.InvalidArgument,
                $"'{name}' is not a valid provider name: use two or more letters, digits, '_', '-' or '.', starting with a letter.", name);
        if (StorageUri.CloudSchemes.Contains(name.ToLowerInvariant()) || name.Equals("file", StringComparison.OrdinalIgnoreCase))
            throw new StorageException(StorageErrorKind.InvalidArgument, $"'{name}' is a URI scheme and cannot be a provider name.", name);
        var target = StorageUri.Parse(uri);
        if (target.Kind == AddressKind.Named)
            throw new StorageException(StorageErrorKind.InvalidArgument, $"A provider must point at a URI or a local path, not at another name ('{uri}').", name);
        if (target.Kind == AddressKind.LocalPath && !Path.IsPathFullyQualified(target.LocalPath!))
            throw new StorageException(StorageErrorKind.InvalidArgument, $"The local root '{uri}' of provider '{name}' must be an absolute path.", name);
        SecretOptionNames.EnsureNone(options?.Keys ?? [], name);
        if (!force && _registrations.ContainsKey(name))
            throw new StorageException(StorageErrorKind.AlreadyExists, $"A provider named '{name}' is already registered; use -Force to replace it.", name);

        var registration = new ProviderRegistration
        {
            Name = name,
            Uri = uri,
            Options = new Dictionary<string, string>(options ?? new Dictionary<string, string>(), StringComparer.OrdinalIgnoreCase),
            Source = persist && _configFile is not null ? _configFile.Path : "Session",
        };
        _registrations[name] = registration;
        _instances.TryRemove("named:" + name, out _);
        if (persist)
        {
            if (_configFile is null)
                throw new StorageException(StorageErrorKind.Configuration, "This registry has no config file to persist to.", name);
            _configFile.Save(registration);
        }
        return registration;
    }

    /// <summary>Removes a named provider (and, with <paramref name="persist"/>, from the config file). False when unknown.</summary>
    public bool Unregister(string name, bool persist = false)
    {
        EnsureConfigLoaded();
        var removed = _registrations.TryRemove(name, out _);
        _instances.TryRemove("named:" + name, out _);
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
    internal StorageLocation Resolve(string address, string? currentDirectory = null)
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
                var provider = _instances.GetOrAdd("named:" + registration.Name, _ => CreateNamed(registration));
                return new StorageLocation(provider, uri.Key);
            }
            default:
                return new StorageLocation(GetCloudProvider(uri, new Dictionary<string, string>()), uri.Key);
        }
    }

    private IStorageProvider CreateNamed(ProviderRegistration registration)
    {
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
