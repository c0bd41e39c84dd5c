using CloudStorage.Model;

namespace CloudStorage.Providers;

/// <summary>The metadata names a provider can hold.</summary>
public enum MetadataNameRule
{
    /// <summary>Any name that fits in an HTTP header name (S3, GCS, memory).</summary>
    Any,
    /// <summary>C# identifiers only: letters, digits and '_', not starting with a digit (Azure Blob Storage).</summary>
    Identifier,
}

/// <summary>
/// A flat record of what a provider can do beyond the required contract (OpenDAL's capability matrix).
/// A capability declared here must pass its conformance tests.
/// </summary>
public sealed record ProviderCapabilities
{
    /// <summary>Hashes the provider reports in listings and stat without reading the content.</summary>
    public IReadOnlySet<HashAlgorithmKind> ListedHashes { get; init; } = new HashSet<HashAlgorithmKind>();

    /// <summary>Hashes available through <see cref="IHashSource"/> (possibly by reading the content, as the local disk does).</summary>
    public IReadOnlySet<HashAlgorithmKind> Hashes { get; init; } = new HashSet<HashAlgorithmKind>();

    /// <summary>User metadata is stored and returned.</summary>
    public bool UserMetadata { get; init; }

    /// <summary>Content type is stored and returned.</summary>
    public bool ContentType { get; init; }

    /// <summary>Content-Encoding, Content-Disposition, Content-Language and Cache-Control are stored and returned.</summary>
    public bool ContentHeaders { get; init; }

    /// <summary>Which metadata names the provider can hold (Azure: C# identifiers only).</summary>
    public MetadataNameRule MetadataNames { get; init; } = MetadataNameRule.Any;

    /// <summary>True when metadata values must be ASCII (S3 and Azure send them as HTTP headers).</summary>
    public bool MetadataAsciiValuesOnly { get; init; }

    /// <summary>Object tags are stored.</summary>
    public bool Tags { get; init; }

    /// <summary>Storage classes or tiers exist.</summary>
    public bool StorageClass { get; init; }

    /// <summary><see cref="WriteOptions.ModifiedTime"/> is honoured and reported back as LastModified.</summary>
    public bool CanSetModifiedTime { get; init; }

    /// <summary>Precision of LastModified, for sync's time comparison.</summary>
    public TimeSpan ModifiedTimePrecision { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>The largest page a listing request may ask for.</summary>
    public int MaxListPageSize { get; init; } = 1000;

    /// <summary>Object versions are kept.</summary>
    public bool Versions { get; init; }

    /// <summary>The provider copies objects server-side (it implements <see cref="IServerSideCopier"/>).</summary>
    public bool ServerSideCopy { get; init; }

    /// <summary>The provider deletes many objects per request (it implements <see cref="IBatchDeleter"/>).</summary>
    public bool BatchDelete { get; init; }

    /// <summary>The provider creates presigned URLs (it implements <see cref="IPresigner"/>).</summary>
    public bool Presign { get; init; }

    /// <summary>Longest expiry a presigned URL may have.</summary>
    public TimeSpan MaxPresignExpiry { get; init; } = TimeSpan.Zero;

    /// <summary>
    /// Ranged reads are independent requests over a network, so the engine reads a large object faster as several
    /// ranges at once (<see cref="Transfer.ParallelRangeStream"/>). Off for local and memory stores.
    /// </summary>
    public bool ParallelRangeReads { get; init; }
}
