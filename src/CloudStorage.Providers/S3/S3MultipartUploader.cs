using CloudStorage.Providers.Common;
using System.Security.Cryptography;
using Amazon.S3;
using Amazon.S3.Model;
using CloudStorage.Core.Errors;
using CloudStorage.Core.Model;
using CloudStorage.Providers.Resilience;

namespace CloudStorage.Providers.S3;

/// <summary>
/// Streams one object to S3 through the shared <see cref="PartUploadPipeline"/>: a single PutObject up to the multipart
/// threshold, else CreateMultipartUpload, parts from a bounded set of buffers uploaded in parallel, then
/// CompleteMultipartUpload. The pipeline hashes every byte and checks the length and expected hashes before the object
/// is committed; on failure or cancellation the multipart upload is aborted, so no parts are left behind. This class is
/// the S3 side only (the requests); one instance serves one upload.
/// </summary>
internal sealed class S3MultipartUploader : IPartUploadSink<PartETag, (string ETag, bool Md5Stored)>
{
    private readonly S3StorageProvider _owner;
    private readonly IAmazonS3 _client;
    private readonly S3ProviderOptions _options;
    private string _key = "";
    private string _target = "";
    private WriteOptions _write = new();
    private string? _uploadId;
    private bool _md5Promised;
    private StorageItem? _written;

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
    public async Task<(string ETag, PartUploadStatistics Stats, bool Md5Stored, StorageItem? Written)> UploadAsync(string key, Stream content, WriteOptions options, CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested();
        _key = key;
        _target = _owner.AddressRoot + key;
        _write = options;
        using var hasher = UploadHasher.For(content, options.ExpectedHashes);
        var partSize = options.Length is { } length && length > _options.MultipartThreshold ? PartSizing.ForLength(length, _options.PartSize) : _options.PartSize;
        var ((etag, md5Stored), stats) = await PartUploadPipeline.UploadAsync(content, options.Length, hasher, this, new PartUploadOptions
        {
            PartSize = partSize,
            Concurrency = _options.Concurrency,
            MaxParts = S3ProviderOptions.MaxParts,
            SingleUploadThreshold = _options.MultipartThreshold,
            Retry = _owner.PartPipeline,
            Target = _target,
            Provider = _owner.Name,
        }, ct).ConfigureAwait(false);
        return (etag, stats, md5Stored, _written);
    }

    string IPartUploadSink<PartETag, (string ETag, bool Md5Stored)>.SingleOperation => "PutObject";

    string IPartUploadSink<PartETag, (string ETag, bool Md5Stored)>.PartOperation => "UploadPart";

    async Task<(string ETag, bool Md5Stored)> IPartUploadSink<PartETag, (string ETag, bool Md5Stored)>.PutSingleAsync(ReadOnlyMemory<byte> data, UploadHasher hasher, CancellationToken ct)
    {
        // A fresh stream over the same bytes for every attempt.
        PutObjectRequest? sent = null;
        var response = await S3ErrorMapper.RunAsync(() => _client.PutObjectAsync(sent = PutRequest(data, hasher.Md5), ct), _target, _owner.Name, ct).ConfigureAwait(false);
        _written = _owner.WrittenFromPut(_key, sent!, response, hasher.Md5, data.Length);
        return (response.ETag, _options.StoreMd5);
    }

    private PutObjectRequest PutRequest(ReadOnlyMemory<byte> data, ContentHash md5)
    {
        var request = new PutObjectRequest
        {
            BucketName = Bucket,
            Key = _key,
            InputStream = ReadOnlyStream(data),
            AutoCloseStream = true,
            // S3 refuses the body (BadDigest) when it does not arrive as sent, with or without SDK checksums.
            MD5Digest = md5.Base64,
            ContentType = _write.ContentType ?? S3StorageProvider.DefaultContentType,
            StorageClass = S3ObjectInfo.StorageClass(_write.StorageClass),
            TagSet = S3ObjectInfo.Tags(_write.Tags),
        };
        S3ObjectInfo.Fill(request.Metadata, S3ObjectInfo.WithStoredMd5(_write.Metadata, _options.StoreMd5 ? md5 : null, _write.ModifiedTime), _target, _owner.Name);
        S3ObjectInfo.ApplyContentHeaders(request.Headers, _write);
        return request;
    }

    // The pipeline's buffers are arrays; the SDK reads a stream over them (never written).
    private static MemoryStream ReadOnlyStream(ReadOnlyMemory<byte> data) =>
        System.Runtime.InteropServices.MemoryMarshal.TryGetArray(data, out var segment)
            ? new MemoryStream(segment.Array!, segment.Offset, segment.Count, writable: false)
            : new MemoryStream(data.ToArray(), writable: false);

    async Task IPartUploadSink<PartETag, (string ETag, bool Md5Stored)>.BeginAsync(UploadHasher hasher, CancellationToken ct)
    {
        // The MD5 is stored with the object when known up front (the caller promised it; the pipeline verifies it).
        var promised = _options.StoreMd5 ? hasher.ExpectedMd5 : null;
        _md5Promised = promised is not null;
        _uploadId = await CreateAsync(_key, _target, _write, promised, ct).ConfigureAwait(false);
    }

    Task<PartETag> IPartUploadSink<PartETag, (string ETag, bool Md5Stored)>.UploadPartAsync(UploadPart part, CancellationToken ct) =>
        UploadPartAsync(_key, _target, _uploadId!, part.Number, part.Data, ct);

    async Task<(string ETag, bool Md5Stored)> IPartUploadSink<PartETag, (string ETag, bool Md5Stored)>.CompleteAsync(IReadOnlyList<PartETag> parts, UploadHasher hasher, CancellationToken ct)
    {
        var response = await CompleteAsync(_key, _target, _uploadId!, parts.ToArray(), ct).ConfigureAwait(false);
        _uploadId = null; // completed: nothing to abort any more
        var md5Stored = _md5Promised;
        if (!md5Stored && _options.StoreMd5)
            md5Stored = await StoreMd5Async(_key, _target, response.ETag, hasher.Md5, hasher.Length, _write, ct).ConfigureAwait(false);
        return (response.ETag, md5Stored);
    }

    Task IPartUploadSink<PartETag, (string ETag, bool Md5Stored)>.AbortAsync() =>
        _uploadId is { } id ? AbortAsync(_key, id) : Task.CompletedTask;

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

    private async Task<PartETag> UploadPartAsync(string key, string target, string uploadId, int number, ReadOnlyMemory<byte> data, CancellationToken ct)
    {
        var md5 = Convert.ToBase64String(MD5.HashData(data.Span));
        var request = new UploadPartRequest
        {
            BucketName = Bucket,
            Key = key,
            UploadId = uploadId,
            PartNumber = number,
            PartSize = data.Length,
            InputStream = ReadOnlyStream(data),
            MD5Digest = md5,
            // The part is in memory: its SHA-256 is signed in a header (the chunked form hashes every byte too) and the
            // body goes out as it is, without the chunk framing and per-chunk signatures the service must strip and
            // check (aws-cli sends its parts so).
            UseChunkEncoding = false,
        };
        var response = await S3ErrorMapper.RunAsync(() => _client.UploadPartAsync(request, ct), target, _owner.Name, ct).ConfigureAwait(false);
        return new PartETag(number, response.ETag);
    }

    /// <summary>
    /// CompleteMultipartUpload, retried on transient failures. When an answer was lost after S3 had completed the
    /// upload, the retry hears NoSuchUpload — or, from an S3-compatible store still busy with the first request, a
    /// 500: after any failed retry the object is looked at, and taken as this upload's when its ETag is the multipart
    /// ETag of these parts (which no other upload can produce).
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
            catch (StorageException) when (attempts > 1 && !t.IsCancellationRequested)
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
