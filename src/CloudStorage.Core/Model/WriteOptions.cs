namespace CloudStorage.Core.Model;

/// <summary>How to store an object.</summary>
public sealed record WriteOptions
{
    /// <summary>Length of the content when known; null for a stream of unknown length.</summary>
    public long? Length { get; init; }

    /// <summary>MIME type; null lets the provider choose (usually application/octet-stream).</summary>
    public string? ContentType { get; init; }

    /// <summary>Content-Encoding to store (providers with <c>ContentHeaders</c>).</summary>
    public string? ContentEncoding { get; init; }

    /// <summary>Content-Disposition to store (providers with <c>ContentHeaders</c>).</summary>
    public string? ContentDisposition { get; init; }

    /// <summary>Content-Language to store (providers with <c>ContentHeaders</c>).</summary>
    public string? ContentLanguage { get; init; }

    /// <summary>Cache-Control to store (providers with <c>ContentHeaders</c>).</summary>
    public string? CacheControl { get; init; }

    /// <summary>User metadata to store (providers without metadata ignore it, see capabilities).</summary>
    public IReadOnlyDictionary<string, string>? Metadata { get; init; }

    /// <summary>Hashes the content must have; the provider fails the write with IntegrityFailure on mismatch
    /// and leaves no partial object behind.</summary>
    public IReadOnlyList<ContentHash>? ExpectedHashes { get; init; }

    /// <summary>Modification time to record, for providers that can (see <c>CanSetModifiedTime</c>).</summary>
    public DateTimeOffset? ModifiedTime { get; init; }

    /// <summary>Storage class or tier, for providers that have them.</summary>
    public string? StorageClass { get; init; }

    /// <summary>Object tags, for providers that have them.</summary>
    public IReadOnlyDictionary<string, string>? Tags { get; init; }

    /// <summary>Options with nothing set.</summary>
    public static WriteOptions Default { get; } = new();
}
