using System.Globalization;
using CloudStorage.Core.Model;
using CloudStorage.Core.Transfer;
using GcsObject = Google.Apis.Storage.v1.Data.Object;

namespace CloudStorage.Providers.Gcs;

/// <summary>
/// Between the SDK's object resource (<c>Google.Apis.Storage.v1.Data.Object</c>) and the engine's model: the item a
/// resource describes, and the resource a write or a copy sends.
/// </summary>
internal static class GcsObjects
{
    /// <summary>
    /// The metadata key gsutil and gcloud storage use for a file's modification time (seconds since the epoch): the
    /// provider writes it for <see cref="WriteOptions.ModifiedTime"/> and reports it as LastModified.
    /// </summary>
    public const string MtimeKey = "goog-reserved-file-mtime";

    /// <summary>The content type of an object written without one.</summary>
    public const string DefaultContentType = "application/octet-stream";

    /// <summary>The item <paramref name="o"/> describes, addressed under <paramref name="addressRoot"/>.</summary>
    public static StorageItem ToItem(GcsObject o, string providerName, string addressRoot)
    {
        var metadata = Metadata(o);
        var user = new Dictionary<string, string>(metadata, StringComparer.OrdinalIgnoreCase);
        user.Remove(MtimeKey);
        return new StorageItem
        {
            ProviderName = providerName,
            Key = o.Name,
            Uri = addressRoot + o.Name,
            Size = (long)(o.Size ?? 0),
            LastModified = StoredModifiedTime.Get(metadata) ?? o.UpdatedDateTimeOffset?.ToUniversalTime(),
            ETag = o.ETag,
            ContentType = o.ContentType,
            ContentEncoding = o.ContentEncoding,
            ContentDisposition = o.ContentDisposition,
            ContentLanguage = o.ContentLanguage,
            CacheControl = o.CacheControl,
            StorageClass = o.StorageClass,
            Metadata = user,
            Hashes = Hashes(o),
        };
    }

    /// <summary>The object's metadata, names case-insensitive.</summary>
    public static Dictionary<string, string> Metadata(GcsObject o)
    {
        var metadata = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (name, value) in o.Metadata ?? new Dictionary<string, string>()) metadata[name] = value ?? "";
        return metadata;
    }

    /// <summary>The hashes GCS reports: crc32c always, md5Hash for objects that are not composite.</summary>
    public static IReadOnlyList<ContentHash> Hashes(GcsObject o)
    {
        var list = new List<ContentHash>(2);
        if (ContentHash.TryParse(HashAlgorithmKind.MD5, o.Md5Hash, out var md5)) list.Add(md5!);
        if (ContentHash.TryParse(HashAlgorithmKind.CRC32C, o.Crc32c, out var crc)) list.Add(crc!);
        return list;
    }

    /// <summary>
    /// The resource a write or a copy sends: content type and headers, user metadata, the modification time where
    /// gsutil keeps it, the storage class.
    /// </summary>
    public static GcsObject Resource(string bucket, string key, WriteOptions write, string contentType)
    {
        var metadata = new Dictionary<string, string>();
        foreach (var (name, value) in write.Metadata ?? new Dictionary<string, string>())
            if (!name.Equals(MtimeKey, StringComparison.OrdinalIgnoreCase)) metadata[name] = value;
        if (write.ModifiedTime is { } mtime) metadata[MtimeKey] = mtime.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        return new GcsObject
        {
            Bucket = bucket,
            Name = key,
            ContentType = contentType,
            Metadata = metadata.Count > 0 ? metadata : null,
            ContentEncoding = NullIfEmpty(write.ContentEncoding),
            ContentDisposition = NullIfEmpty(write.ContentDisposition),
            ContentLanguage = NullIfEmpty(write.ContentLanguage),
            CacheControl = NullIfEmpty(write.CacheControl),
            StorageClass = string.IsNullOrWhiteSpace(write.StorageClass) ? null : write.StorageClass.Trim().ToUpperInvariant(),
        };
    }

    private static string? NullIfEmpty(string? value) => string.IsNullOrEmpty(value) ? null : value;
}
