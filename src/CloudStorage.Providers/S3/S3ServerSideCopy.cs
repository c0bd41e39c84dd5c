using Amazon.S3;
using Amazon.S3.Model;
using CloudStorage.Core.Errors;
using CloudStorage.Core.Model;
using CloudStorage.Core.Transfer;
using CloudStorage.Providers.Resilience;

namespace CloudStorage.Providers.S3;

/// <summary>
/// Copies inside S3 without moving bytes through this process: CopyObject up to the copy threshold (5 GiB at most),
/// UploadPartCopy in parallel parts above it. The version copied is the one looked at (ETag precondition), and the
/// source's MD5, when known, travels into the copy's metadata.
/// </summary>
internal sealed class S3ServerSideCopy(S3StorageProvider destination)
{
    private IAmazonS3 Client => destination.Client;
    private S3ProviderOptions Options => destination.Options;

    /// <summary>Statistics of the last copy: the number of parts (1 for CopyObject).</summary>
    public int Parts { get; private set; }

    public async Task<StorageItem> CopyAsync(S3StorageProvider source, string sourceKey, string destinationKey, WriteOptions options, CancellationToken ct)
    {
        var sourceTarget = source.AddressRoot + sourceKey;
        var target = destination.AddressRoot + destinationKey;
        var head = await source.HeadAsync(sourceKey, ct).ConfigureAwait(false) ?? throw source.NotFound(sourceTarget);
        var sourceItem = source.FromHead(sourceKey, head);

        // The copy has the same bytes: the source's MD5 (stored or proven by its ETag) is the copy's too.
        var md5 = Core.Transfer.StoredHashes.Get(sourceItem, HashAlgorithmKind.MD5) ?? sourceItem.GetHash(HashAlgorithmKind.MD5);
        // REPLACE below: everything the copy keeps is given here, from the options or else from the source's own stat.
        var metadata = S3ObjectInfo.WithStoredMd5(options.Metadata ?? StoredModifiedTime.UserOnly(sourceItem.Metadata), Options.StoreMd5 ? md5 : null,
            options.ModifiedTime ?? StoredModifiedTime.Get(sourceItem.Metadata));
        var headers = options with
        {
            ContentEncoding = options.ContentEncoding ?? sourceItem.ContentEncoding,
            ContentDisposition = options.ContentDisposition ?? sourceItem.ContentDisposition,
            ContentLanguage = options.ContentLanguage ?? sourceItem.ContentLanguage,
            CacheControl = options.CacheControl ?? sourceItem.CacheControl,
        };
        var contentType = options.ContentType ?? sourceItem.ContentType ?? S3StorageProvider.DefaultContentType;
        var storageClass = S3ObjectInfo.StorageClass(options.StorageClass);

        if (sourceItem.Size <= Options.MultipartCopyThreshold)
        {
            var request = new CopyObjectRequest
            {
                SourceBucket = source.Bucket,
                SourceKey = sourceKey,
                DestinationBucket = destination.Bucket,
                DestinationKey = destinationKey,
                ETagToMatch = head.ETag,
                MetadataDirective = S3MetadataDirective.REPLACE,
                ContentType = contentType,
                StorageClass = storageClass,
            };
            if (S3ObjectInfo.Tags(options.Tags) is { } tags)
            {
                request.TaggingDirective = TaggingDirective.REPLACE;
                request.TagSet = tags;
            }
            S3ObjectInfo.Fill(request.Metadata, metadata, target, destination.Name);
            S3ObjectInfo.ApplyContentHeaders(request.Headers, headers);
            await S3ErrorMapper.RunAsync(() => Client.CopyObjectAsync(request, ct), target, destination.Name, ct).ConfigureAwait(false);
            Parts = 1;
        }
        else
        {
            await CopyInPartsAsync(source, sourceKey, head.ETag, sourceItem.Size, destinationKey, target, contentType, metadata, storageClass, headers, ct).ConfigureAwait(false);
        }
        return await destination.StatAfterWriteAsync(destinationKey, null).ConfigureAwait(false);
    }

    private async Task CopyInPartsAsync(S3StorageProvider source, string sourceKey, string sourceETag, long size, string destinationKey, string target,
        string contentType, Dictionary<string, string> metadata, S3StorageClass? storageClass, WriteOptions options, CancellationToken ct)
    {
        var partSize = PartSizing.ForLength(size, Options.CopyPartSize);
        var count = PartSizing.PartCount(size, partSize);
        var create = new InitiateMultipartUploadRequest
        {
            BucketName = destination.Bucket,
            Key = destinationKey,
            ContentType = contentType,
            StorageClass = storageClass,
            TagSet = S3ObjectInfo.Tags(options.Tags),
        };
        S3ObjectInfo.Fill(create.Metadata, metadata, target, destination.Name);
        S3ObjectInfo.ApplyContentHeaders(create.Headers, options);
        var uploadId = (await S3ErrorMapper.RunAsync(() => Client.InitiateMultipartUploadAsync(create, ct), target, destination.Name, ct).ConfigureAwait(false)).UploadId;

        using var failFast = CancellationTokenSource.CreateLinkedTokenSource(ct);
        using var slots = new SemaphoreSlim(Options.Concurrency);
        var parts = new List<Task<PartETag>>(count);
        try
        {
            for (var i = 0; i < count; i++)
            {
                await slots.WaitAsync(failFast.Token).ConfigureAwait(false);
                var number = i + 1;
                var first = i * partSize;
                var last = Math.Min(size, first + partSize) - 1;
                parts.Add(Task.Run(async () =>
                {
                    try
                    {
                        var request = new CopyPartRequest
                        {
                            SourceBucket = source.Bucket,
                            SourceKey = sourceKey,
                            DestinationBucket = destination.Bucket,
                            DestinationKey = destinationKey,
                            UploadId = uploadId,
                            PartNumber = number,
                            FirstByte = first,
                            LastByte = last,
                            ETagToMatch = [sourceETag],
                        };
                        var response = await destination.PartPipeline.ExecuteAsync("CopyPart",
                            t => new ValueTask<CopyPartResponse>(S3ErrorMapper.RunAsync(() => Client.CopyPartAsync(request, t), target, destination.Name, t)),
                            failFast.Token).ConfigureAwait(false);
                        return new PartETag(number, response.ETag);
                    }
                    catch
                    {
                        failFast.Cancel();
                        throw;
                    }
                    finally
                    {
                        slots.Release();
                    }
                }, CancellationToken.None));
            }
            var etags = await Task.WhenAll(parts).ConfigureAwait(false);
            var complete = new CompleteMultipartUploadRequest { BucketName = destination.Bucket, Key = destinationKey, UploadId = uploadId };
            complete.AddPartETags(etags);
            await S3ErrorMapper.RunAsync(() => Client.CompleteMultipartUploadAsync(complete, ct), target, destination.Name, ct).ConfigureAwait(false);
            Parts = count;
        }
        catch (Exception error)
        {
            failFast.Cancel();
            try { await Task.WhenAll(parts).ConfigureAwait(false); } catch { /* reported below */ }
            try
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
                await Client.AbortMultipartUploadAsync(new AbortMultipartUploadRequest { BucketName = destination.Bucket, Key = destinationKey, UploadId = uploadId }, timeout.Token).ConfigureAwait(false);
            }
            catch (Exception) { /* the copy's failure matters more */ }
            if (error is OperationCanceledException && !ct.IsCancellationRequested
                && parts.FirstOrDefault(p => p.IsFaulted)?.Exception?.InnerException is { } cause)
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(cause);
            throw;
        }
    }
}
