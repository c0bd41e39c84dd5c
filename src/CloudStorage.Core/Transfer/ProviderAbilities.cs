using CloudStorage.Core.Addressing;
using CloudStorage.Core.Model;
using CloudStorage.Core.Providers;

namespace CloudStorage.Core.Transfer;

/// <summary>
/// Hash selection over providers' declared abilities, and the one place that unwraps a location to the provider doing
/// the work (a server-side copy names its source there), so callers never branch on provider types.
/// </summary>
internal static class ProviderAbilities
{
    /// <summary>The innermost provider and key behind a location.</summary>
    public static (IStorageProvider Provider, string Key) Unwrap(StorageLocation location) =>
        ProviderDecorator.Innermost(location.Provider, location.Key);

    /// <summary>A hash of the object: from the item when listed, else from the provider's <see cref="IHashSource"/>, else null.</summary>
    public static async Task<ContentHash?> GetHashAsync(StorageLocation location, StorageItem? item, HashAlgorithmKind algorithm, CancellationToken ct)
    {
        if (item?.GetHash(algorithm) is { } listed) return listed;
        return location.Provider.Capabilities.HashSource is { } source
            ? await source.GetHashAsync(location.Key, algorithm, ct).ConfigureAwait(false)
            : null;
    }

    /// <summary>True when the provider can produce the algorithm (listed or computed).</summary>
    public static bool CanHash(StorageLocation location, HashAlgorithmKind algorithm)
    {
        var caps = location.Provider.Capabilities;
        return caps.ListedHashes.Contains(algorithm) || caps.Hashes.Contains(algorithm);
    }

    /// <summary>The order in which the engine prefers hashes when several are common: MD5, CRC32C, SHA-256.</summary>
    public static IReadOnlyList<HashAlgorithmKind> HashPreference { get; } = [HashAlgorithmKind.MD5, HashAlgorithmKind.CRC32C, HashAlgorithmKind.SHA256];

    /// <summary>
    /// The algorithm to compare two locations by, or null: first one both list natively (free), then one both can
    /// produce; in <see cref="HashPreference"/> order within each tier.
    /// </summary>
    public static HashAlgorithmKind? CommonHash(StorageLocation a, StorageLocation b)
    {
        if (CommonListedHash(a, b) is { } listed) return listed;
        foreach (var alg in HashPreference)
            if (CanHash(a, alg) && CanHash(b, alg)) return alg;
        return null;
    }

    /// <summary>The algorithm both providers list in their listings (no extra I/O), or null.</summary>
    public static HashAlgorithmKind? CommonListedHash(StorageLocation a, StorageLocation b)
    {
        foreach (var alg in HashPreference)
            if (a.Provider.Capabilities.ListedHashes.Contains(alg) && b.Provider.Capabilities.ListedHashes.Contains(alg)) return alg;
        return null;
    }
}
