using CloudStorage.Providers.Common;
using System.Security.Cryptography;
using Amazon.S3;
using Amazon.S3.Model;
using CloudStorage.Errors;
using CloudStorage.Model;
using CloudStorage.Providers.Resilience;

namespace CloudStorage.Providers.S3;

/// <summary>What one upload did (for diagnostics and the memory-bound tests).</summary>
public sealed record S3UploadStatistics
{
    /// <summary>True when the object went up in parts.</summary>
    public bool Multipart { get; init; }
    /// <summary>Parts uploaded (1 for a single request).</summary>
    public int Parts { get; init; }
    /// <summary>Bytes per part (the last may be shorter).</summary>
    public long PartSize { get; init; }
    /// <summary>Part buffers allocated; memory held was at most this × <see cref="PartSize"/>.</summary>
    public int BuffersAllocated { get; init; }
    /// <summary>The most part buffers held at once (parts uploading plus the one being filled); at most concurrency + 1.</summary>
    public int PeakBuffersInUse { get; init; }
    /// <summary>The most parts that were on their way at once.</summary>
    public int PeakPartsInFlight { get; init; }
    /// <summary>True when the whole-object MD5 was stored in metadata.</summary>
    public bool Md5Stored { get; init; }
}

/// <summary>
/// Streams one object to S3: a single PutObject up to the multipart threshold, else CreateMultipartUpload with parts
/// read into a bounded set of buffers and uploaded in parallel, then CompleteMultipartUpload. Every byte is hashed
/// on the way; the length and expected hashes are checked before the object is committed. On failure or
/// cancellation the multipart upload is aborted, so no parts are left behind.
/// </summary>
internal sealed class S3MultipartUploader
{
    private readonly S3StorageProvider _owner;
    private readonly IAmazonS3 _client;
    private readonly S3ProviderOptions _options;

    public S3MultipartUploader(S3StorageProvider owner)
    {
        _owner = owner;
        _client = owner.Client;
        _options = owner.Options;
    }

    private string Bucket => _options.Bucket;

    /// <summary>
    /// Uploads the stream; returns the ETag, what was done, and the stored item when the answer alone describes it
    /// (a single PutObject whose ETag is the MD5 that was sent, see <see cref="S3StorageProvider.WrittenFromPut"/>).
    /// </summary>
    public async Task<(string ETag, S3UploadStatistics Stats, StorageItem? Written)> UploadAsync(string key, Stream content, WriteOptions options, CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested();
        var target = _owner.AddressRoot + key;
        using var hasher = new UploadHasher(options.ExpectedHashes);

        if (options.Length is { } small && small <= _options.MultipartThreshold)
        {
            var buffer = GC.AllocateUninitializedArray<byte>((int)small);
            var n = await UploadSource.FillAsync(content, buffer, ct).ConfigureAwait(false);
            var more = n == buffer.Length && await UploadSource.HasMoreAsync(content, ct).ConfigureAwait(false);
            return await PutSingleAsync(key, target, buffer, n, options, hasher, more, ct).ConfigureAwait(false);
        }

        var partSize = options.Length is { } length ? PartSizing.ForLength(length, _options.PartSize) : _options.PartSize;
        using var pool = new PartBufferPool(partSize, _options.Concurrency + 1);
        return await UploadPartsAsync(key, target, content, options, partSize, pool, hasher, ct).ConfigureAwait(false);
    }

    private async Task<(string, S3UploadStatistics, StorageItem?)> PutSingleAsync(string key, string target, byte[] buffer, int count, WriteOptions options,
        UploadHasher hasher, bool sourceHasMore, CancellationToken ct)
    {
        hasher.Append(buffer.AsSpan(0, count));
        hasher.Verify(options.Length, sourceHasMore, target, _owner.Name);
        ct.ThrowIfCancellationRequested();
        var md5 = hasher.Md5;
        // The body is in memory: the request is sent again (with a fresh stream over the same bytes) on transient failures.
        PutObjectRequest? sent = null;
        var response = await _owner.PartPipeline.ExecuteAsync("PutObject", t => new ValueTask<PutObjectResponse>(
            S3ErrorMapper.RunAsync(() => _client.PutObjectAsync(sent = PutRequest(key, target, buffer, count, options, md5), t), target, _owner.Name, t)), ct).ConfigureAwait(false);
        return (response.ETag, new S3UploadStatistics { Parts = 1, PartSize = count, BuffersAllocated = 1, PeakBuffersInUse = 1, PeakPartsInFlight = 1, Md5Stored = _options.StoreMd5 },
            _owner.WrittenFromPut(key, sent!, response, md5, count));
    }

    private PutObjectRequest PutRequest(string key, string target, byte[] buffer, int count, WriteOptions options, ContentHash md5)
    {
        var request = new PutObjectRequest
        {
            BucketName = Bucket,
            Key = key,
            InputStream = new MemoryStream(buffer, 0, count, writable: false),
            AutoCloseStream = true,
            // S3 refuses the body (BadDigest) when it does not arrive as sent, with or without SDK checksums.
            MD5Digest = md5.Base64,
            ContentType = options.ContentType ?? S3StorageProvider.DefaultContentType,
            StorageClass = S3ObjectInfo.StorageClass(options.StorageClass),
            TagSet = S3ObjectInfo.Tags(options.Tags),
        };
        S3ObjectInfo.Fill(request.Metadata, S3ObjectInfo.WithStoredMd5(options.Metadata, _options.StoreMd5 ? md5 : null, options.ModifiedTime), target, _owner.Name);
        S3ObjectInfo.ApplyContentHeaders(request.Headers, options);
        return request;
    }

    private async Task<(string, S3UploadStatistics, StorageItem?)> UploadPartsAsync(string key, string target, Stream content, WriteOptions options, long partSize,
        PartBufferPool pool, UploadHasher hasher, CancellationToken ct)
    {
        using var failFast = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var token = failFast.Token;
        var parts = new List<Task<PartETag>>();
        string? uploadId = null;
        var inFlight = 0;
        var peak = 0;
        var partNumber = 0;
        var md5Stored = false;

        // The pool bounds the buffers (concurrency + 1); this bounds the uploads, which the pool alone does not: the
        // last part is sent without a read-ahead buffer, so it could otherwise join `concurrency` parts already going.
        using var uploadSlots = new SemaphoreSlim(_options.Concurrency, _options.Concurrency);
        var current = await pool.RentAsync(token).ConfigureAwait(false);
        var currentCount = await UploadSource.FillAsync(content, current, token).ConfigureAwait(false);
        long total = currentCount;
        try
        {
            while (true)
            {
                // Read one part ahead, so the last part is known before it is sent.
                byte[]? next = null;
                var nextCount = 0;
                var wantMore = currentCount == current.Length && (options.Length is not { } declared || total < declared);
                if (wantMore)
                {
                    next = await pool.RentAsync(token).ConfigureAwait(false);
                    nextCount = await UploadSource.FillAsync(content, next, token).ConfigureAwait(false);
                    total += nextCount;
                }
                var isLast = nextCount == 0;
                var sourceHasMore = isLast && options.Length is { } d && total >= d && currentCount == current.Length
                    && await UploadSource.HasMoreAsync(content, token).ConfigureAwait(false);

                if (isLast && partNumber == 0 && options.Length is null)
                {
                    // A stream of unknown length that fits in one part: one request, as for small objects.
                    if (next is not null) pool.Return(next);
                    var single = await PutSingleAsync(key, target, current, currentCount, options, hasher, sourceHasMore, ct).ConfigureAwait(false);
                    pool.Return(current);
                    return (single.Item1, single.Item2 with { PartSize = partSize, BuffersAllocated = pool.Allocated, PeakBuffersInUse = pool.PeakRented }, single.Item3);
                }

                if (++partNumber > S3ProviderOptions.MaxParts)
                    throw new StorageException(StorageErrorKind.InvalidArgument,
                        $"'{target}' needs more than 10,000 parts of {partSize} bytes; give the length or set a larger part-size.", target, _owner.Name);
                hasher.Append(current.AsSpan(0, currentCount));
                if (uploadId is null)
                {
                    // The MD5 is stored with the object when known up front (the caller promised it; it is verified below).
                    var promised = _options.StoreMd5 ? hasher.ExpectedMd5 : null;
                    md5Stored = promised is not null;
                    uploadId = await CreateAsync(key, target, options, promised, token).ConfigureAwait(false);
                }

                var buffer = current;
                var count = currentCount;
                var number = partNumber;
                var id = uploadId;
                await uploadSlots.WaitAsync(token).ConfigureAwait(false);
                parts.Add(Task.Run(async () =>
                {
                    var now = Interlocked.Increment(ref inFlight);
                    UploadSource.InterlockedMax(ref peak, now);
                    try
                    {
                        return await _owner.PartPipeline.ExecuteAsync("UploadPart",
                            t => new ValueTask<PartETag>(UploadPartAsync(key, target, id, number, buffer, count, t)), token).ConfigureAwait(false);
                    }
                    catch
                    {
                        failFast.Cancel(); // stop reading and the other parts at once
                        throw;
                    }
                    finally
                    {
                        Interlocked.Decrement(ref inFlight);
                        uploadSlots.Release();
                        pool.Return(buffer);
                    }
                }, CancellationToken.None));

                if (isLast)
                {
                    if (next is not null) pool.Return(next);
                    hasher.Verify(options.Length, sourceHasMore, target, _owner.Name);
                    break;
                }
                current = next!;
                currentCount = nextCount;
            }

            var etags = await Task.WhenAll(parts).ConfigureAwait(false);
            token.ThrowIfCancellationRequested();
            var response = await CompleteAsync(key, target, uploadId, etags, token).ConfigureAwait(false);
            uploadId = null; // completed: nothing to abort any more

            if (!md5Stored && _options.StoreMd5)
                md5Stored = await StoreMd5Async(key, target, response.ETag, hasher.Md5, total, options, ct).ConfigureAwait(false);
            return (response.ETag, new S3UploadStatistics
            {
                Multipart = true, Parts = partNumber, PartSize = partSize, BuffersAllocated = pool.Allocated,
                PeakBuffersInUse = pool.PeakRented, PeakPartsInFlight = peak, Md5Stored = md5Stored,
            }, null);
        }
        catch (Exception error)
        {
            failFast.Cancel();
            try { await Task.WhenAll(parts).ConfigureAwait(false); } catch { /* the first failure is reported below */ }
            if (uploadId is not null) await AbortAsync(key, uploadId).ConfigureAwait(false);
            // A part that failed cancelled the rest: report its failure, not the cancellation it caused.
            if (error is OperationCanceledException && !ct.IsCancellationRequested
                && parts.FirstOrDefault(p => p.IsFaulted)?.Exception?.InnerException is { } cause)
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(cause);
            throw;
        }
    }

    private async Task<string> CreateAsync(string key, string target, WriteOptions options, ContentHash? md5, CancellationToken ct)
    {
        var request = new InitiateMultipartUploadRequest
        {
            BucketName = Bucket,
            Key = key,
            ContentType = options.ContentType ?? S3StorageProvider.DefaultContentType,
            StorageClass = S3ObjectInfo.StorageClass(options.StorageClass),
            TagSet = S3ObjectInfo.Tags(options.Tags),
        };
        S3ObjectInfo.Fill(request.Metadata, S3ObjectInfo.WithStoredMd5(options.Metadata, md5, options.ModifiedTime), target, _owner.Name);
        S3ObjectInfo.ApplyContentHeaders(request.Headers, options);
        var response = await S3ErrorMapper.RunAsync(() => _client.InitiateMultipartUploadAsync(request, ct), target, _owner.Name, ct).ConfigureAwait(false);
        return response.UploadId;
    }

    private async Task<PartETag> UploadPartAsync(string key, string target, string uploadId, int number, byte[] buffer, int count, CancellationToken ct)
    {
        var md5 = Convert.ToBase64String(MD5.HashData(buffer.AsSpan(0, count)));
        var request = new UploadPartRequest
        {
            BucketName = Bucket,
            Key = key,
            UploadId = uploadId,
            PartNumber = number,
            PartSize = count,
            InputStream = new MemoryStream(buffer, 0, count, writable: false),
            MD5Digest = md5,
        };
        var response = await S3ErrorMapper.RunAsync(() => _client.UploadPartAsync(request, ct), target, _owner.Name, ct).ConfigureAwait(false);
        return new PartETag(number, response.ETag);
    }

    /// <summary>
    /// CompleteMultipartUpload, retried on transient failures. When an answer was lost after S3 had completed the
    /// upload, the retry hears NoSuchUpload: the object is then looked at, and taken as this upload's when its ETag
    /// is the multipart ETag of these parts.
    /// </summary>
    private async Task<CompleteMultipartUploadResponse> CompleteAsync(string key, string target, string uploadId, PartETag[] etags, CancellationToken ct)
    {
        var attempts = 0;
        return await _owner.PartPipeline.ExecuteAsync("CompleteMultipartUpload", async t =>
        {
            var complete = new CompleteMultipartUploadRequest { BucketName = Bucket, Key = key, UploadId = uploadId };
            complete.AddPartETags(etags);
            try
            {
                attempts++;
                return await S3ErrorMapper.RunAsync(() => _client.CompleteMultipartUploadAsync(complete, t), target, _owner.Name, t).ConfigureAwait(false);
            }
            catch (StorageException e) when (attempts > 1 && e.Kind == StorageErrorKind.NotFound)
            {
                if (await _owner.HeadAsync(key, t).ConfigureAwait(false) is { } head && head.ETag?.Trim('"') == MultipartETag(etags))
                    return new CompleteMultipartUploadResponse { ETag = head.ETag, Key = key, BucketName = Bucket };
                throw;
            }
        }, ct).ConfigureAwait(false);
    }

    // The ETag S3 gives a multipart object: the MD5 of the parts' binary MD5s, a dash and the part count.
    private static string MultipartETag(PartETag[] parts)
    {
        var joined = parts.OrderBy(p => p.PartNumber).SelectMany(p => Convert.FromHexString(p.ETag.Trim('"'))).ToArray();
        return Convert.ToHexString(MD5.HashData(joined)).ToLowerInvariant() + "-" + parts.Length;
    }

    // Aborting must happen even when the caller cancelled: it runs on its own token.
    private async Task AbortAsync(string key, string uploadId)
    {
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            await _client.AbortMultipartUploadAsync(new AbortMultipartUploadRequest { BucketName = Bucket, Key = key, UploadId = uploadId }, timeout.Token).ConfigureAwait(false);
        }
        catch (Exception)
        {
            // The original failure matters more; a bucket lifecycle rule for incomplete uploads is the backstop (README, "Uploads and memory").
        }
    }

    /// <summary>
    /// S3 takes metadata only when an upload starts, and the MD5 of a stream is known only at its end: the completed
    /// object is copied onto itself with the MD5 added (objects up to 5 GiB, only if it is still the version just
    /// written). False when that was not possible; the object is stored either way.
    /// </summary>
    private async Task<bool> StoreMd5Async(string key, string target, string etag, ContentHash md5, long length, WriteOptions options, CancellationToken ct)
    {
        if (length > S3ProviderOptions.MaxSingleCopySize) return false;
        var request = new CopyObjectRequest
        {
            SourceBucket = Bucket,
            SourceKey = key,
            DestinationBucket = Bucket,
            DestinationKey = key,
            ETagToMatch = etag,
            MetadataDirective = S3MetadataDirective.REPLACE,
            ContentType = options.ContentType ?? S3StorageProvider.DefaultContentType,
            StorageClass = S3ObjectInfo.StorageClass(options.StorageClass),
        };
        S3ObjectInfo.Fill(request.Metadata, S3ObjectInfo.WithStoredMd5(options.Metadata, md5, options.ModifiedTime), target, _owner.Name);
        S3ObjectInfo.ApplyContentHeaders(request.Headers, options);
        try
        {
            await S3ErrorMapper.RunAsync(() => _client.CopyObjectAsync(request, ct), target, _owner.Name, ct).ConfigureAwait(false);
            return true;
        }
        catch (Exception e) when (e is StorageException or OperationCanceledException)
        {
            // Replaced meanwhile, refused, or cancelled after the object was complete: the content is stored,
            // only the shortcut for later checks is missing.
            return false;
        }
    }
}
