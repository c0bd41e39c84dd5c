using CloudStorage.Core.Model;

namespace CloudStorage.Core.Providers;

/// <summary>The metadata names a provider can hold.</summary>
public enum MetadataNameRule
{
    /// <summary>Any name that fits in an HTTP header name (S3, GCS, memory).</summary>
    Any,
    /// <summary>C# identifiers only: letters, digits and '_', not starting with a digit (Azure Blob Storage).</summary>
    Identifier,
}

/// <summary>
/// The one declaration of what a provider can do beyond the required contract (OpenDAL's capability matrix, rclone's
/// <c>Features</c>): flags for what the provider stores, and the optional abilities as the objects that perform them
/// (null when absent), so a flag and its implementation cannot disagree. Decorators expose their inner provider's
/// record with each ability wrapped for their keys (<see cref="ProviderDecorator"/>); a composite provider builds
/// its record from its members' (e.g. an ability only when every member has it). A capability declared here must
/// pass its conformance tests.
/// </summary>
public sealed record ProviderCapabilities
{
    /// <summary>Hashes the provider reports in listings and stat without reading the content.</summary>
    public IReadOnlySet<HashAlgorithmKind> ListedHashes { get; init; } = new HashSet<HashAlgorithmKind>();

    /// <summary>Hashes available through <see cref="HashSource"/> (possibly by reading the content, as the local disk does).</summary>
    public IReadOnlySet<HashAlgorithmKind> Hashes => HashSource?.Algorithms ?? NoHashes;

    private static readonly IReadOnlySet<HashAlgorithmKind> NoHashes = new HashSet<HashAlgorithmKind>();

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

    /// <summary>Copies objects server-side, or null.</summary>
    public IServerSideCopier? Copier { get; init; }

    /// <summary>Deletes many objects per request, or null (then one delete per object).</summary>
    public IBatchDeleter? BatchDeleter { get; init; }

    /// <summary>Creates presigned URLs, or null.</summary>
    public IPresigner? Presigner { get; init; }

    /// <summary>Produces hashes of stored objects (listed or computed), or null.</summary>
    public IHashSource? HashSource { get; init; }

    /// <summary>Tells a missing place from an empty one, or null (a listing of a missing place fails instead).</summary>
    public IExistenceProbe? ExistenceProbe { get; init; }

    /// <summary>True when server-side copy is declared.</summary>
    public bool ServerSideCopy => Copier is not null;

    /// <summary>True when batch delete is declared.</summary>
    public bool BatchDelete => BatchDeleter is not null;

    /// <summary>True when presigning is declared.</summary>
    public bool Presign => Presigner is not null;

    /// <summary>Longest expiry a presigned URL may have (zero without presigning).</summary>
    public TimeSpan MaxPresignExpiry => Presigner?.MaxExpiry ?? TimeSpan.Zero;

    /// <summary>
    /// Ranged reads are independent requests over a network, so the engine reads a large object faster as several
    /// ranges at once (<see cref="Transfer.ParallelRangeStream"/>). Off for local and memory stores.
    /// </summary>
    public bool ParallelRangeReads { get; init; }
}
