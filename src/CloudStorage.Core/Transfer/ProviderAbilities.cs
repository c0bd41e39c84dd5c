using CloudStorage.Addressing;
using CloudStorage.Model;
using CloudStorage.Providers;

namespace CloudStorage.Transfer;

/// <summary>
/// Finds optional abilities through decorators: the one place that unwraps a location to the provider doing the
/// work, so callers never branch on provider types (rclone's <c>fs/operations</c>).
/// </summary>
public static class ProviderAbilities
{
    /// <summary>The innermost provider and key behind a location.</summary>
    public static (IStorageProvider Provider, string Key) Unwrap(StorageLocation location) =>
        ProviderDecorator.Innermost(location.Provider, location.Key);

    /// <summary>
    /// The first provider in the decorator chain (outermost first) that implements <typeparamref name="T"/>, with the
    /// key mapped to it; null when none does. A decorator may add an ability its inner provider lacks.
    /// </summary>
    public static (T Ability, IStorageProvider Provider, string Key)? Find<T>(StorageLocation location) where T : class
    {
        IStorageProvider provider = location.Provider;
        var key = location.Key;
        while (true)
        {
            if (provider is T ability) return (ability, provider, key);
            if (provider is not ProviderDecorator d) return null;
            key = d.ToInnerKey(key);
            provider = d.Inner;
        }
    }

    /// <summary>
    /// The first provider in <paramref name="provider"/>'s decorator chain that implements <typeparamref name="T"/>,
    /// with the mapping from <paramref name="provider"/>'s keys to its keys (for abilities that take many keys).
    /// </summary>
    public static (T Ability, Func<string, string> ToAbilityKey)? Find<T>(IStorageProvider provider) where T : class
    {
        var decorators = new List<ProviderDecorator>();
        while (true)
        {
            if (provider is T ability)
                return (ability, key =>
                {
                    foreach (var d in decorators) key = d.ToInnerKey(key);
                    return key;
                });
            if (provider is not ProviderDecorator d) return null;
            decorators.Add(d);
            provider = d.Inner;
        }
    }

    /// <summary>A hash of the object: from the item when listed, else from the provider's <see cref="IHashSource"/>, else null.</summary>
    public static async Task<ContentHash?> GetHashAsync(StorageLocation location, StorageItem? item, HashAlgorithmKind algorithm, CancellationToken ct)
    {
        if (item?.GetHash(algorithm) is { } listed) return listed;
        return Find<IHashSource>(location) is var (source, _, key)
            ? await source.GetHashAsync(key, algorithm, ct).ConfigureAwait(false)
            : null;
    }

    /// <summary>True when the provider can produce the algorithm (listed or computed).</summary>
    public static bool CanHash(StorageLocation location, HashAlgorithmKind algorithm)
    {
        var caps = location.Provider.Capabilities;
        if (caps.ListedHashes.Contains(algorithm)) return true;
        return caps.Hashes.Contains(algorithm) && Find<IHashSource>(location) is not null;
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
