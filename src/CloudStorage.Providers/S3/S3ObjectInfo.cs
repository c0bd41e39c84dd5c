using Amazon.S3;
using Amazon.S3.Model;
using CloudStorage.Model;
using CloudStorage.Transfer;

namespace CloudStorage.Providers.S3;

/// <summary>Reads S3 responses into the engine's model: sizes, times, ETags and the hashes that can be trusted.</summary>
internal static class S3ObjectInfo
{
    /// <summary>The user-metadata header prefix the SDK keeps in <see cref="MetadataCollection"/> keys.</summary>
    public const string MetaPrefix = "x-amz-meta-";

    /// <summary>The metadata key holding the whole-object MD5 (<c>cloudstorage-md5</c>).</summary>
    public static readonly string Md5MetadataKey = StoredHashes.MetadataKey(HashAlgorithmKind.MD5);

    /// <summary>True for an ETag of 32 hex digits (a single-part upload's MD5 on AWS and the common S3-compatible services).</summary>
    public static bool IsSinglePartETag(string? etag)
    {
        if (etag is null) return false;
        var t = etag.Trim().Trim('"');
        if (t.Length != 32) return false;
        foreach (var c in t) if (!char.IsAsciiHexDigit(c)) return false;
        return true;
    }

    /// <summary>The MD5 an ETag proves, or null (multipart ETags, or ETags not trusted for this object).</summary>
    public static ContentHash? Md5FromETag(string? etag, bool trusted) =>
        trusted && IsSinglePartETag(etag) ? ContentHash.Parse(HashAlgorithmKind.MD5, etag!.Trim().Trim('"')) : null;

    /// <summary>S3 reports whole seconds (listings add ".000"); the engine compares times at that precision.</summary>
    public static DateTimeOffset? ToUtcSeconds(DateTime? value)
    {
        if (value is not { } v) return null;
        var utc = v.Kind switch
        {
            DateTimeKind.Local => v.ToUniversalTime(),
            DateTimeKind.Unspecified => DateTime.SpecifyKind(v, DateTimeKind.Utc),
            _ => v,
        };
        return new DateTimeOffset(utc.Ticks - utc.Ticks % TimeSpan.TicksPerSecond, TimeSpan.Zero);
    }

    /// <summary>User metadata without the header prefix, case-insensitive.</summary>
    public static Dictionary<string, string> UserMetadata(MetadataCollection metadata)
    {
        var result = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var name in metadata.Keys)
        {
            var key = name.StartsWith(MetaPrefix, StringComparison.OrdinalIgnoreCase) ? name[MetaPrefix.Length..] : name;
            result[key] = metadata[name];
        }
        return result;
    }

    /// <summary>Copies user metadata into a request's collection (the SDK adds the header prefix).</summary>
    public static void Fill(MetadataCollection target, IReadOnlyDictionary<string, string>? metadata)
    {
        if (metadata is null) return;
        foreach (var (name, value) in metadata) target.Add(name, value);
    }

    /// <summary>
    /// The metadata to store: the caller's, minus any stale stored hash, plus the MD5 this upload proved
    /// (<paramref name="md5"/>), when known before the object is written.
    /// </summary>
    public static Dictionary<string, string> WithStoredMd5(IReadOnlyDictionary<string, string>? metadata, ContentHash? md5)
    {
        var result = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        if (metadata is not null)
            foreach (var (name, value) in metadata)
                if (!name.Equals(Md5MetadataKey, StringComparison.OrdinalIgnoreCase)) result[name] = value;
        if (md5 is not null) result[Md5MetadataKey] = md5.Hex;
        return result;
    }

    /// <summary>Tags for a request, or null when none are given.</summary>
    public static List<Tag>? Tags(IReadOnlyDictionary<string, string>? tags) =>
        tags is { Count: > 0 } ? tags.Select(t => new Tag { Key = t.Key, Value = t.Value }).ToList() : null;

    /// <summary>The storage class for a request, or null for the bucket's default.</summary>
    public static S3StorageClass? StorageClass(string? name) =>
        string.IsNullOrWhiteSpace(name) ? null : S3StorageClass.FindValue(name.Trim().ToUpperInvariant());

    /// <summary>True when the object's ETag cannot be its MD5 because of how it is encrypted.</summary>
    public static bool EncryptionHidesMd5(GetObjectMetadataResponse head) =>
        head.ServerSideEncryptionMethod == ServerSideEncryptionMethod.AWSKMS ||
        head.ServerSideEncryptionMethod == ServerSideEncryptionMethod.AWSKMSDSSE ||
        head.ServerSideEncryptionCustomerMethod is { } c && !string.IsNullOrEmpty(c.Value) && c != ServerSideEncryptionCustomerMethod.None;
}
