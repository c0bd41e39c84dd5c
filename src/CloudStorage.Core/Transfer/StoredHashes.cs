using CloudStorage.Model;

namespace CloudStorage.Transfer;

/// <summary>
/// Whole-object hashes recorded in user metadata at upload time (for objects whose native checksum is not a
/// content hash, such as S3 multipart ETags), so later checks need no download.
/// </summary>
public static class StoredHashes
{
    /// <summary>The metadata key holding a hash of the given algorithm (<c>cloudstorage-md5</c>, ...).</summary>
    public static string MetadataKey(HashAlgorithmKind algorithm) => "cloudstorage-" + algorithm.ToString().ToLowerInvariant();

    /// <summary>The stored hash of the given algorithm in an item's metadata, or null.</summary>
    public static ContentHash? Get(StorageItem item, HashAlgorithmKind algorithm) =>
        item.Metadata.TryGetValue(MetadataKey(algorithm), out var text) && ContentHash.TryParse(algorithm, text, out var hash) ? hash : null;
}
