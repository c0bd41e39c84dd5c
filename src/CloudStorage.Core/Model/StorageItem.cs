namespace CloudStorage.Core.Model;

/// <summary>
/// An object (or, with <see cref="IsPrefix"/>, a common prefix such as a "folder") as a provider reports it.
/// <see cref="Uri"/> is the canonical address every cmdlet accepts by property name.
/// </summary>
public sealed record StorageItem
{
    private readonly IReadOnlyList<ContentHash> _hashes = ContentHashList.Empty;
    private readonly IReadOnlyDictionary<string, string> _metadata = MetadataDictionary.Empty;

    /// <summary>The provider's display name (<c>mem://store</c>, <c>backup</c>, <c>s3://bucket</c>).</summary>
    public required string ProviderName { get; init; }

    /// <summary>The key inside the provider, '/'-separated, no leading '/'. Prefix entries end in the delimiter.</summary>
    public required string Key { get; init; }

    /// <summary>The canonical address: the provider's address root followed by the key.</summary>
    public required string Uri { get; init; }

    /// <summary>The last segment of the key (a prefix's name keeps no trailing delimiter).</summary>
    public string Name => NameOf(Key);

    /// <summary>Size in bytes (0 for prefixes).</summary>
    public long Size { get; init; }

    /// <summary>When the object was last written, or the modification time it was stored with.</summary>
    public DateTimeOffset? LastModified { get; init; }

    /// <summary><see cref="Size"/> under FileInfo's name, so scripts written for Get-ChildItem output work unchanged.</summary>
    public long Length => Size;

    /// <summary><see cref="LastModified"/> under FileInfo's name, so scripts written for Get-ChildItem output work unchanged.</summary>
    public DateTimeOffset? LastWriteTime => LastModified;

    /// <summary>The provider's entity tag, opaque (an S3 multipart ETag is not an MD5).</summary>
    public string? ETag { get; init; }

    /// <summary>MIME type, when the provider stores one.</summary>
    public string? ContentType { get; init; }

    /// <summary>Content-Encoding (<c>gzip</c>, ...), when the provider stores one.</summary>
    public string? ContentEncoding { get; init; }

    /// <summary>Content-Disposition (<c>attachment; filename="a.pdf"</c>), when the provider stores one.</summary>
    public string? ContentDisposition { get; init; }

    /// <summary>Content-Language (<c>en</c>, ...), when the provider stores one.</summary>
    public string? ContentLanguage { get; init; }

    /// <summary>Cache-Control (<c>max-age=3600</c>, ...), when the provider stores one.</summary>
    public string? CacheControl { get; init; }

    /// <summary>Hashes the provider reports natively for this object (may be empty); as text "MD5:… CRC32C:…".</summary>
    public IReadOnlyList<ContentHash> Hashes { get => _hashes; init => _hashes = ContentHashList.From(value); }

    /// <summary>User metadata (case-insensitive keys); as text "name=value; …" (what Export-Csv writes).</summary>
    public IReadOnlyDictionary<string, string> Metadata { get => _metadata; init => _metadata = MetadataDictionary.From(value); }

    /// <summary>Storage class or access tier, when the provider has one.</summary>
    public string? StorageClass { get; init; }

    /// <summary>True for a common-prefix entry produced by a delimited listing.</summary>
    public bool IsPrefix { get; init; }

    /// <summary>The hash of the given algorithm, if reported.</summary>
    public ContentHash? GetHash(HashAlgorithmKind algorithm)
    {
        foreach (var h in Hashes) if (h.Algorithm == algorithm) return h;
        return null;
    }

    /// <summary>MD5 as hex, when reported (a column for tables, Where-Object and Export-Csv).</summary>
    public string? MD5 => GetHash(HashAlgorithmKind.MD5)?.Hex;

    /// <summary>CRC-32C as hex, when reported.</summary>
    public string? CRC32C => GetHash(HashAlgorithmKind.CRC32C)?.Hex;

    /// <summary>SHA-256 as hex, when reported.</summary>
    public string? SHA256 => GetHash(HashAlgorithmKind.SHA256)?.Hex;

    /// <summary>The last '/'-separated segment of a key, ignoring one trailing '/'.</summary>
    public static string NameOf(string key)
    {
        var trimmed = key.EndsWith('/') ? key[..^1] : key;
        var i = trimmed.LastIndexOf('/');
        return i < 0 ? trimmed : trimmed[(i + 1)..];
    }

    /// <inheritdoc />
    public override string ToString() => Uri;
}
