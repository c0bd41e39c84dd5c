using CloudStorage.Core.Model;

namespace CloudStorage.Core.Providers;

// The optional abilities. A provider declares one by putting an object that implements it in its
// ProviderCapabilities record (often the provider itself); the record is the only declaration the engine reads,
// it never tests a provider's type. Keys are the keys of the provider whose record holds the ability.

/// <summary>Optional: copies objects without moving their bytes through this process (rclone's Copier).</summary>
public interface IServerSideCopier
{
    /// <summary>
    /// True when <paramref name="source"/> is reachable from this provider's server (same store or account). The engine
    /// passes the source unwrapped to the provider holding the bytes (<see cref="ProviderDecorator.Innermost"/>); a
    /// decorator's copier unwraps what it is given.
    /// </summary>
    bool CanCopyFrom(IStorageProvider source);

    /// <summary>
    /// Copies <paramref name="sourceKey"/> of <paramref name="source"/> to <paramref name="destinationKey"/> here,
    /// keeping content type and metadata unless <paramref name="options"/> gives them. NotFound when the source is missing.
    /// </summary>
    Task<StorageItem> CopyFromAsync(IStorageProvider source, string sourceKey, string destinationKey, WriteOptions options, CancellationToken cancellationToken = default);
}

/// <summary>Optional: creates presigned URLs that a plain HTTP client can use.</summary>
public interface IPresigner
{
    /// <summary>Longest expiry a presigned URL may have.</summary>
    TimeSpan MaxExpiry { get; }

    /// <summary>Presigns; throws InvalidArgument when the expiry exceeds <see cref="MaxExpiry"/>.</summary>
    Task<PresignedUrl> PresignAsync(string key, PresignRequest request, CancellationToken cancellationToken = default);
}

/// <summary>Optional: produces a hash of an object, possibly by reading it (rclone's Object.Hash).</summary>
public interface IHashSource
{
    /// <summary>The algorithms this source can produce (possibly by reading the content, as the local disk does).</summary>
    IReadOnlySet<HashAlgorithmKind> Algorithms { get; }

    /// <summary>The hash, or null when this provider cannot produce that algorithm for this object. NotFound when missing.</summary>
    Task<ContentHash?> GetHashAsync(string key, HashAlgorithmKind algorithm, CancellationToken cancellationToken = default);
}

/// <summary>Optional: deletes many objects in few requests (S3's DeleteObjects), declared as <see cref="ProviderCapabilities.BatchDeleter"/>.</summary>
public interface IBatchDeleter
{
    /// <summary>The most keys one request removes; callers that stream keys batch them by this.</summary>
    int MaxBatchSize { get; }

    /// <summary>
    /// Deletes the keys (any number; sent <see cref="MaxBatchSize"/> at a time) and returns one result per key, in the
    /// given order. A missing key is a success, as for <see cref="IStorageProvider.DeleteAsync"/>. Failures are
    /// reported per key, never thrown for the call as a whole: a key the service refused carries its error, and a
    /// request that failed entirely gives that error to each of its keys. Only cancellation throws.
    /// </summary>
    Task<IReadOnlyList<DeleteResult>> DeleteManyAsync(IReadOnlyList<string> keys, CancellationToken cancellationToken = default);
}

/// <summary>
/// Optional: tells a missing place from an empty one, which a listing cannot (both list nothing). Stores whose
/// listing already fails for a missing container (a bucket, an Azure container: NotFound) need not implement it.
/// </summary>
public interface IExistenceProbe
{
    /// <summary>
    /// True when the place <paramref name="prefix"/> names exists: the store itself (a memory store that was ever
    /// written to) and, for stores with real folders, the folder a prefix ending in '/' names.
    /// </summary>
    Task<bool> PrefixExistsAsync(string prefix, CancellationToken cancellationToken = default);
}
