using Amazon.S3;
using Amazon.S3.Model;
using CloudStorage.Core.Model;
using CloudStorage.Core.Transfer;

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

    /// <summary>
    /// Copies user metadata into a request's collection (the SDK adds the header prefix). S3 sends metadata as HTTP
    /// headers: a value that is not ASCII is refused here as InvalidArgument naming the key, before any request (the
    /// SDK would otherwise fail it as a connection error).
    /// </summary>
    public static void Fill(MetadataCollection target, IReadOnlyDictionary<string, string>? metadata, string address, string provider)
    {
        if (metadata is null) return;
        foreach (var (name, value) in metadata)
        {
            if (!name.All(c => c > 0x20 && c < 0x7f && c != ':'))
                throw new Core.Errors.StorageException(Core.Errors.StorageErrorKind.InvalidArgument,
                    $"The metadata name '{name}' cannot be stored on '{address}': S3 metadata names are printable ASCII without spaces.", address, provider);
            if (!value.All(c => c == '\t' || c is >= ' ' and <= '~'))
                throw new Core.Errors.StorageException(Core.Errors.StorageErrorKind.InvalidArgument,
                    $"The value of metadata '{name}' cannot be stored on '{address}': S3 keeps metadata values in ASCII only " +
                    "(Copy-StorageObject and Sync-StorageProvider take -InvalidMetadata Rename to store it RFC 2047-encoded).", address, provider);
            target.Add(name, value);
        }
    }

    /// <summary>Sets Content-Encoding, Content-Disposition, Content-Language and Cache-Control on a request.</summary>
    public static void ApplyContentHeaders(HeadersCollection headers, WriteOptions options)
    {
        if (!string.IsNullOrEmpty(options.ContentEncoding)) headers.ContentEncoding = options.ContentEncoding;
        if (!string.IsNullOrEmpty(options.ContentDisposition)) headers.ContentDisposition = options.ContentDisposition;
        if (!string.IsNullOrEmpty(options.CacheControl)) headers.CacheControl = options.CacheControl;
        if (!string.IsNullOrEmpty(options.ContentLanguage)) headers["Content-Language"] = options.ContentLanguage;
    }

    /// <summary>A header of a response, or null when absent or empty.</summary>
    public static string? Header(HeadersCollection headers, string name) =>
        headers.Keys.Contains(name, StringComparer.OrdinalIgnoreCase) && headers[name] is { Length: > 0 } value ? value : null;

    /// <summary>
    /// The metadata to store: the caller's, minus any stale stored hash, plus the MD5 this upload proved
    /// (<paramref name="md5"/>), when known before the object is written, and the modification time to keep in rclone's
    /// S3 form (<c>mtime</c>: seconds since the epoch with nine decimals), which S3 cannot set on the object itself.
    /// </summary>
    public static Dictionary<string, string> WithStoredMd5(IReadOnlyDictionary<string, string>? metadata, ContentHash? md5, DateTimeOffset? modifiedTime = null)
    {
        var result = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        if (metadata is not null)
            foreach (var (name, value) in metadata)
                if (!name.Equals(Md5MetadataKey, StringComparison.OrdinalIgnoreCase)) result[name] = value;
        if (md5 is not null) result[Md5MetadataKey] = md5.Hex;
        if (modifiedTime is { } mtime) result[StoredModifiedTime.RcloneKey] = StoredModifiedTime.FormatUnixSeconds(mtime);
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
