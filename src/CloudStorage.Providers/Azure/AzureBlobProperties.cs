using Azure.Storage.Blobs.Models;

namespace CloudStorage.Providers.Azure;

/// <summary>
/// A blob's properties as the provider uses them, from whichever SDK answer carried them (Get Blob Properties, a
/// download's details, a List Blobs item): one shape, so stat, listings and reads build the same <c>StorageItem</c>.
/// </summary>
internal sealed record AzureBlobProperties
{
    public long ContentLength { get; init; }
    public string? ContentType { get; init; }
    public string? ContentEncoding { get; init; }
    public string? ContentLanguage { get; init; }
    public string? ContentDisposition { get; init; }
    public string? CacheControl { get; init; }
    /// <summary>The stored whole-blob MD5 (Content-MD5), when the blob has one.</summary>
    public byte[]? ContentMd5 { get; init; }
    /// <summary>The ETag, always in its quoted header form.</summary>
    public string? ETag { get; init; }
    public DateTimeOffset? LastModified { get; init; }
    public IReadOnlyDictionary<string, string> Metadata { get; init; } = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
    public string? AccessTier { get; init; }
    /// <summary>Whether <see cref="AccessTier"/> is the account's default, inferred because the blob was given none.</summary>
    public bool AccessTierInferred { get; init; }
    public string? CopyId { get; init; }
    public string? CopyStatus { get; init; }
    public string? CopyStatusDescription { get; init; }

    /// <summary>An ETag in its quoted header form (listings report it bare).</summary>
    public static string? QuoteETag(string? etag) =>
        string.IsNullOrEmpty(etag) ? null : etag.StartsWith('"') ? etag : "\"" + etag + "\"";

    private static string? Status(CopyStatus? status) => status?.ToString().ToLowerInvariant();

    private static byte[]? Md5(byte[]? hash) => hash is { Length: 16 } ? hash : null;

    public static AzureBlobProperties From(BlobProperties p) => new()
    {
        ContentLength = p.ContentLength,
        ContentType = p.ContentType,
        ContentEncoding = p.ContentEncoding,
        ContentLanguage = p.ContentLanguage,
        ContentDisposition = p.ContentDisposition,
        CacheControl = p.CacheControl,
        ContentMd5 = Md5(p.ContentHash),
        ETag = QuoteETag(p.ETag.ToString("H")),
        LastModified = p.LastModified,
        Metadata = Copy(p.Metadata),
        AccessTier = p.AccessTier,
        AccessTierInferred = p.AccessTierInferred,
        CopyId = p.CopyId,
        CopyStatus = p.BlobCopyStatus is { } s ? Status(s) : null,
        CopyStatusDescription = p.CopyStatusDescription,
    };

    public static AzureBlobProperties From(BlobItem item) => new()
    {
        ContentLength = item.Properties.ContentLength ?? 0,
        ContentType = item.Properties.ContentType,
        ContentEncoding = item.Properties.ContentEncoding,
        ContentLanguage = item.Properties.ContentLanguage,
        ContentDisposition = item.Properties.ContentDisposition,
        CacheControl = item.Properties.CacheControl,
        ContentMd5 = Md5(item.Properties.ContentHash),
        ETag = QuoteETag(item.Properties.ETag?.ToString("H")),
        LastModified = item.Properties.LastModified,
        Metadata = Copy(item.Metadata),
        AccessTier = item.Properties.AccessTier?.ToString(),
    };

    /// <summary>The blob's properties from a download; a ranged read reports the whole blob's MD5 apart from the range's.</summary>
    public static AzureBlobProperties From(BlobDownloadDetails d, long contentLength, bool ranged) => new()
    {
        ContentLength = contentLength,
        ContentType = d.ContentType,
        ContentEncoding = d.ContentEncoding,
        ContentLanguage = d.ContentLanguage,
        ContentDisposition = d.ContentDisposition,
        CacheControl = d.CacheControl,
        ContentMd5 = Md5(ranged ? d.BlobContentHash : d.ContentHash),
        ETag = QuoteETag(d.ETag.ToString("H")),
        LastModified = d.LastModified,
        Metadata = Copy(d.Metadata),
    };

    /// <summary>
    /// The blob a single Put Blob wrote, from its answer (ETag, Last-Modified, the service's Content-MD5) and what the
    /// request set (headers, metadata, tier) — only meaningful once the caller has checked that MD5 against the one sent.
    /// </summary>
    public static AzureBlobProperties From(BlobContentInfo answer, BlobHttpHeaders sent, IEnumerable<KeyValuePair<string, string>>? metadata,
        string? tier, long contentLength) => new()
    {
        ContentLength = contentLength,
        ContentType = sent.ContentType,
        ContentEncoding = sent.ContentEncoding,
        ContentLanguage = sent.ContentLanguage,
        ContentDisposition = sent.ContentDisposition,
        CacheControl = sent.CacheControl,
        ContentMd5 = Md5(answer.ContentHash),
        ETag = QuoteETag(answer.ETag.ToString("H")),
        LastModified = answer.LastModified,
        Metadata = Copy(metadata),
        AccessTier = tier,
    };

    private static Dictionary<string, string> Copy(IEnumerable<KeyValuePair<string, string>>? metadata) =>
        metadata is null ? new(StringComparer.OrdinalIgnoreCase) : new(metadata, StringComparer.OrdinalIgnoreCase);
}
