using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using Azure.Storage;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Blobs.Specialized;
using CloudStorage.Core.Errors;
using CloudStorage.Core.Model;
using CloudStorage.Providers.Common;
using CloudStorage.Providers.Resilience;

namespace CloudStorage.Providers.Azure;

/// <summary>Chooses block sizes that keep a blob within Azure's 50,000 blocks.</summary>
public static class BlockSizing
{
    /// <summary>The block size for a blob of <paramref name="length"/> bytes: at least <paramref name="minimum"/>, and large enough (in whole MiB) for 50,000 blocks.</summary>
    public static long ForLength(long length, long minimum) =>
        PartSizes.ForLength(length, minimum, AzureBlobProviderOptions.MinBlockSize, AzureBlobProviderOptions.MaxBlocks, AzureBlobProviderOptions.MaxBlockSize,
            $"one block blob holds with blocks of at most {AzureBlobProviderOptions.MaxBlockSize / (1024 * 1024)} MiB (50,000 blocks)");
}

/// <summary>
/// The Azure side of one upload through the shared <see cref="PartUploadPipeline"/> (one instance per upload): a single
/// Put Blob up to the single-upload threshold, else Put Block for each block (its Content-MD5 checked by the service)
/// and Put Block List committing them in order with the whole-blob MD5 as the blob's Content-MD5 (the SDK never computes
/// one for a staged upload), so stat, listings and integrity checks have it however the blob went up. Staged blocks
/// that are never committed are discarded by the service, so aborting needs no request.
/// </summary>
internal sealed class AzureBlockUploader : IPartUploadSink<string, ContentHash>
{
    private readonly AzureBlobStorageProvider _owner;
    private readonly BlockBlobClient _blob;
    private readonly string _key;
    private readonly string _target;
    private readonly WriteOptions _options;
    private readonly BlobHttpHeaders _headers;
    private readonly Dictionary<string, string>? _metadata;
    private readonly AccessTier? _tier;
    // Fixed-length ids, unique to this upload: a concurrent writer of the same blob stages blocks of its own.
    private readonly string _uploadId = Guid.NewGuid().ToString("N");
    // The blob as a single Put Blob's answer describes it (null: the answer cannot decide, or blocks were committed).
    private StorageItem? _written;

    private AzureBlockUploader(AzureBlobStorageProvider owner, string key, WriteOptions options)
    {
        _owner = owner;
        _key = key;
        _target = owner.AddressRoot + key;
        _options = options;
        _blob = owner.Clients.Blob(key);
        _headers = owner.HttpHeaders(options);
        _metadata = owner.ToAzureMetadata(options.Metadata, _target, options.ModifiedTime);
        _tier = owner.AccessTier(options.StorageClass, _target) is { } tier ? new AccessTier(tier) : (AccessTier?)null;
    }

    /// <summary>
    /// Streams <paramref name="content"/> to the blob; what was done, the whole-blob MD5 stored and, after a single Put
    /// Blob whose answer decides it, the written blob (else null: stat it) travel back with the call.
    /// </summary>
    public static async Task<(PartUploadStatistics Stats, ContentHash Md5, StorageItem? Written)> UploadAsync(AzureBlobStorageProvider owner, string key, Stream content, WriteOptions options, CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested();
        var sink = new AzureBlockUploader(owner, key, options);
        var settings = owner.Options;
        using var hasher = UploadHasher.For(content, options.ExpectedHashes);
        var blockSize = options.Length is { } length && length > settings.SingleUploadThreshold ? BlockSizing.ForLength(length, settings.BlockSize) : settings.BlockSize;
        var (md5, stats) = await PartUploadPipeline.UploadAsync(content, options.Length, hasher, sink, new PartUploadOptions
        {
            PartSize = blockSize,
            Concurrency = settings.Concurrency,
            MaxParts = AzureBlobProviderOptions.MaxBlocks,
            SingleUploadThreshold = settings.SingleUploadThreshold,
            Retry = owner.BlockPipeline,
            PartNoun = "blocks",
            PartSizeOption = "block-size",
            Target = sink._target,
            Provider = owner.Name,
        }, ct).ConfigureAwait(false);
        return (stats, md5, sink._written);
    }

    public string SingleOperation => "PutBlob";

    public string PartOperation => "PutBlock";

    private static MemoryStream Body(ReadOnlyMemory<byte> data) =>
        MemoryMarshal.TryGetArray(data, out var segment)
            ? new MemoryStream(segment.Array!, segment.Offset, segment.Count, writable: false)
            : new MemoryStream(data.ToArray(), writable: false);

    // Content-MD5 of the request body, computed once by us: the service refuses the body when it does not arrive as sent.
    private static UploadTransferValidationOptions Md5Validation(byte[] md5) =>
        new() { ChecksumAlgorithm = StorageChecksumAlgorithm.MD5, PrecalculatedChecksum = md5 };

    public async Task<ContentHash> PutSingleAsync(ReadOnlyMemory<byte> data, UploadHasher hasher, CancellationToken ct)
    {
        var md5 = hasher.Md5.GetBytes();
        using var body = Body(data);
        // Put Blob replaces the blob whole, so the pipeline may send it again (with a fresh stream over the same bytes).
        var answer = await AzureErrorMapper.RunAsync(() => _blob.UploadAsync(body, new BlobUploadOptions
        {
            HttpHeaders = WithMd5(md5),
            Metadata = _metadata,
            Tags = Tags(),
            AccessTier = _tier,
            // The SDK takes no precomputed checksum on this path: it hashes the body for the request's Content-MD5 itself.
            TransferValidation = new UploadTransferValidationOptions { ChecksumAlgorithm = StorageChecksumAlgorithm.MD5 },
            // One Put Blob whatever the size (the threshold is at most 256 MiB): the SDK sends a body in one request only
            // when it is shorter than the initial transfer size.
            TransferOptions = new StorageTransferOptions { InitialTransferSize = data.Length + 1L, MaximumTransferSize = data.Length + 1L, MaximumConcurrency = 1 },
        }, ct), _target, _owner.Name, ct).ConfigureAwait(false);
        _written = _owner.WrittenFromPut(_key, answer.Value, WithMd5(md5), _metadata, _tier?.ToString(), hasher.Md5, data.Length);
        return hasher.Md5;
    }

    public Task BeginAsync(UploadHasher hasher, CancellationToken ct) => Task.CompletedTask;

    public async Task<string> UploadPartAsync(UploadPart part, CancellationToken ct)
    {
        var id = Convert.ToBase64String(Encoding.ASCII.GetBytes($"{_uploadId}-{part.Number - 1:D6}"));
        using var body = Body(part.Data);
        await AzureErrorMapper.RunAsync(() => _blob.StageBlockAsync(id, body, new BlockBlobStageBlockOptions
        {
            TransferValidation = Md5Validation(MD5.HashData(part.Data.Span)),
        }, ct), _target, _owner.Name, ct).ConfigureAwait(false);
        return id;
    }

    public async Task<ContentHash> CompleteAsync(IReadOnlyList<string> parts, UploadHasher hasher, CancellationToken ct)
    {
        var headers = WithMd5(hasher.Md5.GetBytes());
        // The commit names blocks already staged: sending it again commits the same list, so it is retried too.
        await _owner.BlockPipeline.ExecuteAsync("PutBlockList", async t =>
        {
            await AzureErrorMapper.RunAsync(() => _blob.CommitBlockListAsync(parts, new CommitBlockListOptions
            {
                HttpHeaders = headers,
                Metadata = _metadata,
                Tags = Tags(),
                AccessTier = _tier,
            }, t), _target, _owner.Name, t).ConfigureAwait(false);
            return true;
        }, ct).ConfigureAwait(false);
        return hasher.Md5;
    }

    // Uncommitted blocks are discarded by the service (at the next commit of the blob, or after a week).
    public Task AbortAsync() => Task.CompletedTask;

    private BlobHttpHeaders WithMd5(byte[] md5) => new()
    {
        ContentType = _headers.ContentType,
        ContentEncoding = _headers.ContentEncoding,
        ContentLanguage = _headers.ContentLanguage,
        ContentDisposition = _headers.ContentDisposition,
        CacheControl = _headers.CacheControl,
        ContentHash = md5,
    };

    private Dictionary<string, string>? Tags() => _options.Tags is { Count: > 0 } tags ? new Dictionary<string, string>(tags) : null;
}
