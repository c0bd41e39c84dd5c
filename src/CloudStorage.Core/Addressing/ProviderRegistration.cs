namespace CloudStorage.Core.Addressing;

/// <summary>A named provider: a name bound to a root address and non-secret options.</summary>
public sealed record ProviderRegistration
{
    /// <summary>The name used in <c>name:key</c> addresses (two or more characters).</summary>
    public required string Name { get; init; }

    /// <summary>
    /// The root address the name stands for (<c>s3://bucket/prefix/</c>, <c>/srv/backup</c>, <c>mem://scratch</c>); for a
    /// replicated provider its primary, for a routed one its routes as text (<c>*.jpg=gs://b/; *=s3://b/</c>).
    /// </summary>
    public required string Uri { get; init; }

    /// <summary>Provider options (region, endpoint, profile...). Never secrets: credentials come from the cloud's standard places.</summary>
    public IReadOnlyDictionary<string, string> Options { get; init; } = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);

    /// <summary>For a replicated provider: the replicas' root addresses, the primary first; empty otherwise.</summary>
    public IReadOnlyList<string> Replicas { get; init; } = [];

    /// <summary>For a replicated provider: what counts as a successful write or delete.</summary>
    public Providers.Composite.ReplicaPolicy Policy { get; init; } = Providers.Composite.ReplicaPolicy.All;

    /// <summary>For a routed provider: the routes, tried in this order; empty otherwise.</summary>
    public IReadOnlyList<ProviderRoute> Routes { get; init; } = [];

    /// <summary>Where the registration came from: <c>Session</c> or the config file's path.</summary>
    public string Source { get; init; } = "Session";

    /// <summary>
    /// The provider type: <c>replicated</c> or <c>routed</c> for composites, else from the root address (<c>s3</c>,
    /// <c>gs</c>, <c>az</c>, <c>mem</c>, <c>file</c>).
    /// </summary>
    public string ProviderType
    {
        get
        {
            if (Replicas.Count > 0) return "replicated";
            if (Routes.Count > 0) return "routed";
            try
            {
                var parsed = StorageUri.Parse(Uri);
                return parsed.Kind == AddressKind.LocalPath ? "file" : parsed.Scheme ?? "named";
            }
            catch (Errors.StorageException) { return "invalid"; }
        }
    }
}
