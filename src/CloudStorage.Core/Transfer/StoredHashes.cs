using CloudStorage.Core.Model;

namespace CloudStorage.Core.Transfer;

/// <summary>
/// Whole-object hashes recorded in user metadata at upload time (for objects whose native checksum is not a
/// content hash, such as S3 multipart ETags), so later checks need no download.
/// </summary>
public static class StoredHashes
{
    /// <summary>The prefix of the engine's stored-hash metadata names.</summary>
    public const string Prefix = "cloudstorage-";

    /// <summary>The metadata key holding a hash of the given algorithm (<c>cloudstorage-md5</c>, ...).</summary>
    public static string MetadataKey(HashAlgorithmKind algorithm) => Prefix + algorithm.ToString().ToLowerInvariant();

    /// <summary>
    /// The stored hash of the given algorithm in an item's metadata, or null: ours (<c>cloudstorage-md5</c>, hex), else
    /// rclone's MD5 of a multipart upload (<c>md5chksum</c>, base64), so objects rclone wrote need no download either.
    /// </summary>
    public static ContentHash? Get(StorageItem item, HashAlgorithmKind algorithm)
    {
        if (item.Metadata.TryGetValue(MetadataKey(algorithm), out var text) && ContentHash.TryParse(algorithm, text, out var hash)) return hash;
        if (algorithm == HashAlgorithmKind.MD5 && item.Metadata.TryGetValue(StoredModifiedTime.RcloneMd5Key, out var b64))
        {
            try
            {
                var bytes = Convert.FromBase64String(b64.Trim());
                if (bytes.Length == 16) return new ContentHash(HashAlgorithmKind.MD5, bytes);
            }
            catch (FormatException) { /* not rclone's: ignored */ }
        }
        return null;
    }

    /// <summary>The hash of the algorithm the item reports natively, else the one stored in its metadata; with where it came from.</summary>
    public static (ContentHash? Hash, bool Stored) Reported(StorageItem item, HashAlgorithmKind algorithm)
    {
        if (item.GetHash(algorithm) is { } native) return (native, false);
        return Get(item, algorithm) is { } stored ? (stored, true) : (null, false);
    }
}
