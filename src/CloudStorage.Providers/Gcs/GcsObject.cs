using System.Globalization;
using System.Text.Json;
using CloudStorage.Model;

namespace CloudStorage.Providers.Gcs;

/// <summary>The fields of a GCS object resource (JSON API <c>storage#object</c>) that the provider uses.</summary>
internal sealed record GcsObject
{
    /// <summary>
    /// The metadata key gsutil and gcloud storage use for a file's modification time (seconds since the epoch): the
    /// provider writes it for <see cref="WriteOptions.ModifiedTime"/> and reports it as LastModified.
    /// </summary>
    public const string MtimeKey = "goog-reserved-file-mtime";

    public required string Name { get; init; }
    public long Size { get; init; }
    public long Generation { get; init; }
    public long Metageneration { get; init; }
    public string? ContentType { get; init; }
    public string? ContentEncoding { get; init; }
    public string? ContentDisposition { get; init; }
    public string? ContentLanguage { get; init; }
    public string? CacheControl { get; init; }
    public string? Md5Hash { get; init; }
    public string? Crc32c { get; init; }
    public string? ETag { get; init; }
    public DateTimeOffset? Updated { get; init; }
    public string? StorageClass { get; init; }
    public int? ComponentCount { get; init; }
    public Dictionary<string, string> Metadata { get; init; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>The stored modification time (rclone's <c>mtime</c>, else gsutil's), else the time the object was last updated.</summary>
    public DateTimeOffset? LastModified => CloudStorage.Transfer.StoredModifiedTime.Get(Metadata) ?? Updated;

    /// <summary>User metadata without the provider's own modification-time key.</summary>
    public Dictionary<string, string> UserMetadata()
    {
        var result = new Dictionary<string, string>(Metadata, StringComparer.OrdinalIgnoreCase);
        result.Remove(MtimeKey);
        return result;
    }

    /// <summary>The hashes GCS reports: crc32c always, md5Hash for objects that are not composite.</summary>
    public IReadOnlyList<ContentHash> Hashes()
    {
        var list = new List<ContentHash>(2);
        if (ContentHash.TryParse(HashAlgorithmKind.MD5, Md5Hash, out var md5)) list.Add(md5!);
        if (ContentHash.TryParse(HashAlgorithmKind.CRC32C, Crc32c, out var crc)) list.Add(crc!);
        return list;
    }

    public static GcsObject Parse(JsonElement e)
    {
        var metadata = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        if (e.TryGetProperty("metadata", out var m) && m.ValueKind == JsonValueKind.Object)
            foreach (var p in m.EnumerateObject())
                metadata[p.Name] = p.Value.ValueKind == JsonValueKind.String ? p.Value.GetString()! : p.Value.GetRawText();
        return new GcsObject
        {
            Name = String(e, "name") ?? "",
            Size = Long(e, "size") ?? 0,
            Generation = Long(e, "generation") ?? 0,
            Metageneration = Long(e, "metageneration") ?? 0,
            ContentType = String(e, "contentType"),
            ContentEncoding = String(e, "contentEncoding"),
            ContentDisposition = String(e, "contentDisposition"),
            ContentLanguage = String(e, "contentLanguage"),
            CacheControl = String(e, "cacheControl"),
            Md5Hash = String(e, "md5Hash"),
            Crc32c = String(e, "crc32c"),
            ETag = String(e, "etag"),
            Updated = String(e, "updated") is { } u && DateTimeOffset.TryParse(u, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var t) ? t.ToUniversalTime() : null,
            StorageClass = String(e, "storageClass"),
            ComponentCount = (int?)Long(e, "componentCount"),
            Metadata = metadata,
        };
    }

    private static string? String(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    // int64 fields come as strings in the JSON API; numbers are accepted too.
    private static long? Long(JsonElement e, string name)
    {
        if (!e.TryGetProperty(name, out var v)) return null;
        return v.ValueKind switch
        {
            JsonValueKind.Number when v.TryGetInt64(out var n) => n,
            JsonValueKind.String when long.TryParse(v.GetString(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) => n,
            _ => null,
        };
    }
}

/// <summary>One page of objects.list.</summary>
internal sealed record GcsListPage(IReadOnlyList<GcsObject> Items, IReadOnlyList<string> Prefixes, string? NextPageToken);

/// <summary>Where a resumable upload stands: complete (with the object), or the bytes the service has persisted.</summary>
internal sealed record GcsResumableStatus(GcsObject? Completed, long PersistedBytes);

/// <summary>One objects.rewrite answer.</summary>
internal sealed record GcsRewriteResult(bool Done, string? RewriteToken, long TotalBytesRewritten, long ObjectSize, GcsObject? Resource);
