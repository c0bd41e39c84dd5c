using System.Text.Json;
using System.Text.Json.Nodes;
using CloudStorage.Core.Errors;

namespace CloudStorage.Core.Addressing;

/// <summary>
/// Reads and writes named providers in a JSON file:
/// <c>{ "providers": { "backup": { "uri": "s3://bucket/backups/", "options": { "region": "eu-west-1" } } } }</c>;
/// a replicated provider adds <c>"replicas": [...]</c> and <c>"policy"</c>, a routed one <c>"routes": [{ "pattern", "uri" }]</c>.
/// The path is <c>$CLOUDSTORAGE_CONFIG</c>, else <c>~/.config/cloudstorage/providers.json</c> (XDG) or
/// <c>%APPDATA%\CloudStorage\providers.json</c> on Windows.
/// </summary>
internal sealed class ProviderConfigFile
{
    /// <summary>Uses the file at <paramref name="path"/>.</summary>
    public ProviderConfigFile(string path) => Path = path;

    /// <summary>The file's path.</summary>
    public string Path { get; }

    /// <summary>The default path, honouring <c>CLOUDSTORAGE_CONFIG</c>.</summary>
    public static string DefaultPath()
    {
        var env = Environment.GetEnvironmentVariable("CLOUDSTORAGE_CONFIG");
        if (!string.IsNullOrWhiteSpace(env)) return env;
        if (OperatingSystem.IsWindows())
            return System.IO.Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.ApplicationData), "CloudStorage", "providers.json");
        var xdg = Environment.GetEnvironmentVariable("XDG_CONFIG_HOME");
        var baseDir = string.IsNullOrWhiteSpace(xdg)
            ? System.IO.Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".config")
            : xdg;
        return System.IO.Path.Combine(baseDir, "cloudstorage", "providers.json");
    }

    /// <summary>
    /// Reads the registrations; none when the file does not exist. Configuration error when it is malformed or holds a
    /// secret-like option (<see cref="SecretOptionNames"/>).
    /// </summary>
    public IReadOnlyList<ProviderRegistration> Load()
    {
        if (!File.Exists(Path)) return [];
        JsonNode? root;
        try { root = JsonNode.Parse(File.ReadAllText(Path)); }
        catch (JsonException ex)
        {
            throw new StorageException(StorageErrorKind.Configuration, $"The provider config file '{Path}' is not valid JSON: {ex.Message}", Path, inner: ex);
        }
        var list = new List<ProviderRegistration>();
        if (root?["providers"] is not JsonObject providers) return list;
        foreach (var (name, node) in providers)
        {
            var uri = node?["uri"]?.GetValue<string>();
            if (string.IsNullOrWhiteSpace(uri))
                throw new StorageException(StorageErrorKind.Configuration, $"Provider '{name}' in '{Path}' has no \"uri\".", Path);
            var options = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            if (node?["options"] is JsonObject opts)
                foreach (var (k, v) in opts) options[k] = v?.ToString() ?? "";
            // A secret saved by an older version (or by hand) is not used: the user moves it to a standard place.
            try { SecretOptionNames.EnsureNone(options.Keys, name); }
            catch (StorageException ex)
            {
                throw new StorageException(StorageErrorKind.Configuration,
                    $"The provider config file '{Path}' is refused: {ex.Message} Remove the option from the file.", Path, inner: ex);
            }
            var replicas = node?["replicas"] is JsonArray r ? r.Select(x => x?.GetValue<string>() ?? "").ToArray() : [];
            var policy = Providers.Composite.ReplicaPolicy.All;
            if (node?["policy"]?.GetValue<string>() is { } p && !Enum.TryParse(p, ignoreCase: true, out policy))
                throw new StorageException(StorageErrorKind.Configuration, $"Provider '{name}' in '{Path}' has an unknown policy '{p}'.", Path);
            var routes = node?["routes"] is JsonArray rs
                ? rs.Select(x => new ProviderRoute(x?["pattern"]?.GetValue<string>() ?? "", x?["uri"]?.GetValue<string>() ?? "")).ToArray()
                : [];
            list.Add(new ProviderRegistration { Name = name, Uri = uri, Options = options, Source = Path, Replicas = replicas, Policy = policy, Routes = routes });
        }
        return list;
    }

    /// <summary>Adds or replaces one registration in the file, keeping the others; never one with a secret-like option.</summary>
    public void Save(ProviderRegistration registration)
    {
        ArgumentNullException.ThrowIfNull(registration);
        SecretOptionNames.EnsureNone(registration.Options.Keys, registration.Name);
        Update(p =>
        {
            var opts = new JsonObject();
            foreach (var (k, v) in registration.Options) opts[k] = v;
            var entry = new JsonObject { ["uri"] = registration.Uri, ["options"] = opts };
            if (registration.Replicas.Count > 0)
            {
                entry["replicas"] = new JsonArray(registration.Replicas.Select(r => (JsonNode?)JsonValue.Create(r)).ToArray());
                entry["policy"] = registration.Policy.ToString();
            }
            if (registration.Routes.Count > 0)
                entry["routes"] = new JsonArray(registration.Routes.Select(r => (JsonNode?)new JsonObject { ["pattern"] = r.Pattern, ["uri"] = r.Uri }).ToArray());
            p[registration.Name] = entry;
        });
    }

    /// <summary>Removes one registration from the file; false when it was not there.</summary>
    public bool Remove(string name)
    {
        var removed = false;
        if (!File.Exists(Path)) return false;
        Update(p => removed = p.Remove(name));
        return removed;
    }

    private void Update(Action<JsonObject> change)
    {
        JsonObject root = File.Exists(Path) ? JsonNode.Parse(File.ReadAllText(Path)) as JsonObject ?? new JsonObject() : new JsonObject();
        if (root["providers"] is not JsonObject providers)
        {
            providers = new JsonObject();
            root["providers"] = providers;
        }
        change(providers);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(Path))!);
        var temp = Path + ".tmp-" + Guid.NewGuid().ToString("N");
        File.WriteAllText(temp, root.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        File.Move(temp, Path, overwrite: true);
    }
}
