namespace CloudStorage.Core.Providers.Composite;

/// <summary>A provider composed of others (replicated, routed): its members, for health probes and replica checks.</summary>
internal interface ICompositeProvider
{
    /// <summary>The members, in their configured order (for a replicated provider the primary first).</summary>
    IReadOnlyList<CompositeMember> Members { get; }
}

/// <summary>One member of a composite: its role (<c>Primary</c>, <c>Replica</c>, <c>Route *.jpg</c>), provider and breaker.</summary>
internal sealed record CompositeMember(string Role, IStorageProvider Provider, IReplicaBreaker? Breaker = null);

/// <summary>The breaker used when no factory is registered: never opens, adds nothing.</summary>
internal sealed class PassThroughBreaker : IReplicaBreaker
{
    public static PassThroughBreaker Instance { get; } = new();

    public bool IsOpen => false;

    public Task<T> ExecuteAsync<T>(Func<CancellationToken, Task<T>> call, CancellationToken cancellationToken) => call(cancellationToken);
}

/// <summary>How a composite presents its members' items: under its own name and address, with only what it declares.</summary>
internal static class CompositeItems
{
    private static readonly IReadOnlyDictionary<string, string> NoMetadata = new Dictionary<string, string>();

    /// <summary>
    /// <paramref name="item"/> as one of the composite's: re-addressed, and without the properties its record does not
    /// declare (a member may hold more than the composite can promise for every key or every replica).
    /// </summary>
    public static Model.StorageItem Present(Model.StorageItem item, IStorageProvider composite)
    {
        var caps = composite.Capabilities;
        return item with
        {
            ProviderName = composite.Name,
            Uri = composite.AddressRoot + item.Key,
            ContentType = caps.ContentType ? item.ContentType : null,
            ContentEncoding = caps.ContentHeaders ? item.ContentEncoding : null,
            ContentDisposition = caps.ContentHeaders ? item.ContentDisposition : null,
            ContentLanguage = caps.ContentHeaders ? item.ContentLanguage : null,
            CacheControl = caps.ContentHeaders ? item.CacheControl : null,
            Metadata = caps.UserMetadata ? item.Metadata : NoMetadata,
            StorageClass = caps.StorageClass ? item.StorageClass : null,
            Hashes = item.Hashes.All(h => caps.ListedHashes.Contains(h.Algorithm)) ? item.Hashes : item.Hashes.Where(h => caps.ListedHashes.Contains(h.Algorithm)).ToList(),
        };
    }
}
