using System.Net;
using System.Runtime.CompilerServices;
using Amazon;
using Amazon.Runtime;
using Amazon.Runtime.CredentialManagement;
using Amazon.S3;
using Amazon.S3.Model;
using CloudStorage.Core.Addressing;
using CloudStorage.Core.Errors;
using CloudStorage.Core.Model;
using CloudStorage.Providers.Resilience;
using Polly;
using CloudStorage.Core.Providers;

namespace CloudStorage.Providers.S3;

/// <summary>
/// One S3 or S3-compatible bucket (<c>s3://bucket/key</c>) on the AWS SDK. Listings are ListObjectsV2 pages fetched
/// as the caller enumerates; writes stream through <see cref="S3MultipartUploader"/>; single-part ETags are reported
/// as MD5s, multipart objects carry their MD5 in metadata (<c>cloudstorage-md5</c>) and through <see cref="IHashSource"/>.
/// </summary>
public sealed class S3StorageProvider : IStorageProvider, IServerSideCopier, IPresigner, IHashSource, IBatchDeleter, IDisposable
{
    internal const string DefaultContentType = "application/octet-stream";
    private readonly bool _ownsClient;
    private readonly S3Presigner _presigner;

    /// <summary>A provider for <paramref name="options"/>; the client is built from them unless one is given.</summary>
    public S3StorageProvider(S3ProviderOptions options, IAmazonS3? client = null)
    {
        options.Validate();
        Options = options;
        Config = CreateConfig(options);
        _ownsClient = client is null;
        Client = client ?? (ResolveCredentials(options) is { } credentials ? new AmazonS3Client(credentials, Config) : new AmazonS3Client(Config));
        Name = options.Name ?? "s3://" + options.Bucket;
        AddressRoot = "s3://" + options.Bucket + "/";
        _presigner = new S3Presigner(this);
        if (Client is AmazonServiceClient serviceClient) serviceClient.AfterResponseEvent += RememberPutDate;
        PartPipeline = options.PartRetry is { } retry ? StorageResilience.CreatePipeline(retry) : ResiliencePipeline.Empty;
        Capabilities = new ProviderCapabilities
        {
            ListedHashes = options.TrustSinglePartETag ? new HashSet<HashAlgorithmKind> { HashAlgorithmKind.MD5 } : new HashSet<HashAlgorithmKind>(),
            UserMetadata = true,
            ContentType = true,
            ContentHeaders = true,
            MetadataAsciiValuesOnly = true,
            Tags = true,
            StorageClass = true,
            CanSetModifiedTime = false,
            ModifiedTimePrecision = TimeSpan.FromSeconds(1),
            MaxListPageSize = 1000,
            Copier = this,
            BatchDeleter = this,
            ParallelRangeReads = true,
            Presigner = this,
            HashSource = this,
        };
    }

    IReadOnlySet<HashAlgorithmKind> IHashSource.Algorithms { get; } = new HashSet<HashAlgorithmKind> { HashAlgorithmKind.MD5 };

    TimeSpan IPresigner.MaxExpiry => S3Presigner.MaxExpiry;

    /// <summary>The options in force.</summary>
    public S3ProviderOptions Options { get; }

    /// <summary>The SDK client configuration (endpoint, path style, checksum behaviour).</summary>
    public AmazonS3Config Config { get; }

    /// <summary>The SDK client.</summary>
    public IAmazonS3 Client { get; }

    /// <summary>Retries for single parts of multipart uploads and copies.</summary>
    internal ResiliencePipeline PartPipeline { get; }

    /// <summary>The bucket.</summary>
    public string Bucket => Options.Bucket;

    /// <inheritdoc />
    public string Name { get; }

    /// <inheritdoc />
    public string AddressRoot { get; }

    /// <inheritdoc />
    public ProviderCapabilities Capabilities { get; }

    /// <summary>The SDK configuration for <paramref name="options"/>.</summary>
    public static AmazonS3Config CreateConfig(S3ProviderOptions options)
    {
        var config = new AmazonS3Config
        {
            MaxErrorRetry = options.SdkMaxErrorRetry,
            HttpClientFactory = new S3HttpClientFactory(options.Timeouts),
            Timeout = Timeout.InfiniteTimeSpan, // the idle-read timeout bounds silence; a steady long transfer is never cut
        };
        if (options.Endpoint is { } endpoint)
        {
            config.ServiceURL = endpoint.ToString();
            config.AuthenticationRegion = options.Region ?? "us-east-1";
            config.ForcePathStyle = options.ForcePathStyle ?? options.IsCustomEndpoint;
        }
        else
        {
            config.RegionEndpoint = options.Region is { } region ? RegionEndpoint.GetBySystemName(region) : DefaultRegion();
            config.ForcePathStyle = options.ForcePathStyle ?? false;
        }
        if (options.IsCustomEndpoint)
        {
            // The AWS SDKs' 2025 default (CRC trailers on every upload, checksum validation on every download)
            // broke R2, B2, OVH and Ceph: other services get checksums only where the API requires them.
            config.RequestChecksumCalculation = options.RequestChecksumCalculation ?? RequestChecksumCalculation.WHEN_REQUIRED;
            config.ResponseChecksumValidation = options.ResponseChecksumValidation ?? ResponseChecksumValidation.WHEN_REQUIRED;
        }
        else
        {
            if (options.RequestChecksumCalculation is { } request) config.RequestChecksumCalculation = request;
            if (options.ResponseChecksumValidation is { } response) config.ResponseChecksumValidation = response;
        }
        if (options.Profile is { } profile)
            config.Profile = options.ProfilesLocation is { } location ? new Profile(profile, location) : new Profile(profile);
        return config;
    }

    // A named profile is resolved here, once, so that requests and presigned URLs sign with the same credentials
    // (the SDK's presigner looks only at the default chain). Without a profile the client uses the default chain.
    private static AWSCredentials? ResolveCredentials(S3ProviderOptions options)
    {
        if (options.Credentials is { } explicitCredentials) return explicitCredentials;
        if (options.Profile is not { } profile) return null;
        var chain = options.ProfilesLocation is { } location ? new CredentialProfileStoreChain(location) : new CredentialProfileStoreChain();
        if (chain.TryGetAWSCredentials(profile, out var credentials)) return credentials;
        throw new StorageException(StorageErrorKind.Configuration,
            $"The AWS profile '{profile}' was not found{(options.ProfilesLocation is { } l ? $" in '{l}'" : " in the shared credentials and config files")}.",
            "s3://" + options.Bucket);
    }

    private static RegionEndpoint DefaultRegion()
    {
        try
        {
            return FallbackRegionFactory.GetRegionEndpoint() ?? RegionEndpoint.USEast1;
        }
        catch (AmazonClientException)
        {
            return RegionEndpoint.USEast1;
        }
    }

    // ---------------------------------------------------------------- listing

    /// <inheritdoc />
    public async IAsyncEnumerable<StorageItem> ListAsync(ListRequest request, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        KeyValidator.ValidatePrefix(request.Prefix, Name);
        var pageSize = Math.Clamp(request.PageSize ?? Capabilities.MaxListPageSize, 1, Capabilities.MaxListPageSize);
        // The next page is requested as soon as this one names it, so the emulator or service answers while the caller
        // works through this page (at most two pages are held). A caller that stops early cancels the request in flight.
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        Task<ListObjectsV2Response>? next = FetchPageAsync(request, pageSize, null, stop.Token);
        try
        {
            while (next is not null)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var response = await next.ConfigureAwait(false);
                var token = response.IsTruncated == true ? response.NextContinuationToken : null;
                next = token is null ? null : FetchPageAsync(request, pageSize, token, stop.Token);
                foreach (var item in MergePage(response)) yield return item;
            }
        }
        finally
        {
            if (next is not null)
            {
                stop.Cancel();
                try { await next.ConfigureAwait(false); }
                catch (Exception) when (next.IsFaulted || next.IsCanceled) { }
            }
        }
    }

    private Task<ListObjectsV2Response> FetchPageAsync(ListRequest request, int pageSize, string? token, CancellationToken cancellationToken)
    {
        var page = new ListObjectsV2Request
        {
            BucketName = Bucket,
            Prefix = request.Prefix.Length > 0 ? request.Prefix : null,
            Delimiter = string.IsNullOrEmpty(request.Delimiter) ? null : request.Delimiter,
            MaxKeys = pageSize,
            ContinuationToken = token,
        };
        return S3ErrorMapper.RunAsync(() => Client.ListObjectsV2Async(page, cancellationToken),
            AddressRoot + request.Prefix, Name, cancellationToken);
    }

    // S3 returns a page's objects and common prefixes as two sorted lists; the contract wants one sorted sequence.
    private IEnumerable<StorageItem> MergePage(ListObjectsV2Response response)
    {
        var objects = response.S3Objects ?? [];
        var prefixes = response.CommonPrefixes ?? [];
        int i = 0, j = 0;
        while (i < objects.Count || j < prefixes.Count)
        {
            if (j >= prefixes.Count || i < objects.Count && KeyComparer.Instance.Compare(objects[i].Key, prefixes[j]) < 0)
                yield return FromListing(objects[i++]);
            else
            {
                var prefix = prefixes[j++];
                yield return new StorageItem { ProviderName = Name, Key = prefix, Uri = AddressRoot + prefix, IsPrefix = true };
            }
        }
    }

    private StorageItem FromListing(S3Object o) => new()
    {
        ProviderName = Name,
        Key = o.Key,
        Uri = AddressRoot + o.Key,
        Size = o.Size ?? 0,
        LastModified = S3ObjectInfo.ToUtcSeconds(o.LastModified),
        ETag = o.ETag,
        StorageClass = string.IsNullOrEmpty(o.StorageClass?.Value) ? "STANDARD" : o.StorageClass.Value,
        Hashes = S3ObjectInfo.Md5FromETag(o.ETag, Options.TrustSinglePartETag) is { } md5 ? [md5] : [],
    };

    // ---------------------------------------------------------------- objects

    /// <inheritdoc />
    public async Task<StorageItem?> StatAsync(string key, CancellationToken cancellationToken = default)
    {
        KeyValidator.ValidateObjectKey(key, Name);
        var head = await HeadAsync(key, cancellationToken).ConfigureAwait(false);
        return head is null ? null : FromHead(key, head);
    }

    /// <summary>HeadObject, or null when the object does not exist.</summary>
    internal async Task<GetObjectMetadataResponse?> HeadAsync(string key, CancellationToken ct)
    {
        try
        {
            return await S3ErrorMapper.RunAsync(() => Client.GetObjectMetadataAsync(new GetObjectMetadataRequest { BucketName = Bucket, Key = key }, ct),
                AddressRoot + key, Name, ct).ConfigureAwait(false);
        }
        catch (StorageException e) when (e.Kind == StorageErrorKind.NotFound && e.InnerException is AmazonS3Exception { ErrorCode: not "NoSuchBucket" })
        {
            return null;
        }
    }

    internal StorageItem FromHead(string key, GetObjectMetadataResponse head) => new()
    {
        ProviderName = Name,
        Key = key,
        Uri = AddressRoot + key,
        Size = head.Headers.ContentLength,
        LastModified = S3ObjectInfo.ToUtcSeconds(head.LastModified),
        ETag = head.ETag,
        ContentType = head.Headers.ContentType,
        ContentEncoding = S3ObjectInfo.Header(head.Headers, "Content-Encoding"),
        ContentDisposition = S3ObjectInfo.Header(head.Headers, "Content-Disposition"),
        ContentLanguage = S3ObjectInfo.Header(head.Headers, "Content-Language"),
        CacheControl = S3ObjectInfo.Header(head.Headers, "Cache-Control"),
        StorageClass = string.IsNullOrEmpty(head.StorageClass?.Value) ? "STANDARD" : head.StorageClass.Value,
        Metadata = S3ObjectInfo.UserMetadata(head.Metadata),
        Hashes = S3ObjectInfo.Md5FromETag(head.ETag, Options.TrustSinglePartETag && !S3ObjectInfo.EncryptionHidesMd5(head)) is { } md5 ? [md5] : [],
    };

    /// <inheritdoc />
    public async Task<Stream> OpenReadAsync(string key, Core.Model.ByteRange? range = null, CancellationToken cancellationToken = default)
    {
        KeyValidator.ValidateObjectKey(key, Name);
        var target = AddressRoot + key;
        if (range is { Length: 0 })
        {
            // No HTTP range is empty: check that the object exists and read nothing.
            if (await HeadAsync(key, cancellationToken).ConfigureAwait(false) is null) throw NotFound(target);
            return new MemoryStream([], writable: false);
        }
        var request = new GetObjectRequest { BucketName = Bucket, Key = key };
        if (range is { } r) request.ByteRange = new Amazon.S3.Model.ByteRange(r.ToHttpRange());
        try
        {
            var response = await S3ErrorMapper.RunAsync(() => Client.GetObjectAsync(request, cancellationToken), target, Name, cancellationToken).ConfigureAwait(false);
            return S3ReadStream.For(response, range, target, Name);
        }
        catch (StorageException e) when (e.InnerException is AmazonS3Exception { StatusCode: HttpStatusCode.RequestedRangeNotSatisfiable })
        {
            // 416: the object exists and the range starts at or beyond its end.
            return new MemoryStream([], writable: false);
        }
    }

    /// <inheritdoc />
    public async Task<StorageItem> WriteAsync(string key, Stream content, WriteOptions options, CancellationToken cancellationToken = default)
    {
        KeyValidator.ValidateObjectKey(key, Name);
        var (etag, _, _, written) = await new S3MultipartUploader(this).UploadAsync(key, content, options, cancellationToken).ConfigureAwait(false);
        return written ?? await StatAfterWriteAsync(key, etag).ConfigureAwait(false);
    }

    // The Date header of each PutObject answer, read from the SDK's response event (the response object has no Date).
    private readonly ConditionalWeakTable<PutObjectResponse, string> _putDates = new();

    private void RememberPutDate(object? sender, ResponseEventArgs e)
    {
        if (e is not WebServiceResponseEventArgs { Response: PutObjectResponse put, ResponseHeaders: { } headers }) return;
        foreach (var (name, value) in headers)
            if (name.Equals("Date", StringComparison.OrdinalIgnoreCase)) { _putDates.AddOrUpdate(put, value); return; }
    }

    /// <summary>
    /// The stored item as a single PutObject's answer describes it, or null when the answer cannot decide and a HEAD
    /// must ask. It decides when the ETag is a trusted MD5 equal to the MD5 of the bytes sent: S3 computes that ETag
    /// over the bytes it stored, so it proves content and length; everything else the item says (type, headers,
    /// metadata, class) is what the request set, which S3 stores as given. The time is the answer's Date (S3 gives no
    /// Last-Modified on a PUT): the server's clock when it answered, at most a second after the stored time for the
    /// small objects this path serves. An ETag that is not that MD5 (an encrypted bucket, or a store that kept other
    /// bytes) falls back to the HEAD, whose answer the engine checks against what it sent.
    /// </summary>
    internal StorageItem? WrittenFromPut(string key, PutObjectRequest request, PutObjectResponse response, ContentHash sentMd5, long size)
    {
        if (!Options.TrustSinglePartETag || S3ObjectInfo.Md5FromETag(response.ETag, trusted: true) is not { } md5 || !md5.Equals(sentMd5)) return null;
        if (!_putDates.TryGetValue(response, out var date)
            || !DateTimeOffset.TryParse(date, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal, out var when))
            return null;
        var head = new GetObjectMetadataResponse { ETag = response.ETag, LastModified = when.UtcDateTime, StorageClass = request.StorageClass };
        foreach (var name in request.Headers.Keys) head.Headers[name] = request.Headers[name];
        head.Headers.ContentType = request.ContentType;
        head.Headers.ContentLength = size;
        // S3 keeps metadata names in lower case.
        foreach (var name in request.Metadata.Keys) head.Metadata[name.ToLowerInvariant()] = request.Metadata[name];
        return FromHead(key, head);
    }

    // The written object as S3 reports it (PutObject answers no LastModified). Done even when the caller cancels
    // right now: the object is already stored.
    internal async Task<StorageItem> StatAfterWriteAsync(string key, string? etag)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        // Retried here: the write is done and its source may not be replayable, so the outer layer cannot repeat it.
        var head = await PartPipeline.ExecuteAsync("Stat", t => new ValueTask<GetObjectMetadataResponse?>(HeadAsync(key, t)), timeout.Token).ConfigureAwait(false)
            ?? throw new StorageException(StorageErrorKind.Conflict, $"'{AddressRoot + key}' vanished right after it was written.", AddressRoot + key, Name);
        return FromHead(key, head);
    }

    /// <inheritdoc />
    public Task DeleteAsync(string key, CancellationToken cancellationToken = default)
    {
        KeyValidator.ValidateObjectKey(key, Name);
        return S3ErrorMapper.RunAsync(() => Client.DeleteObjectAsync(new DeleteObjectRequest { BucketName = Bucket, Key = key }, cancellationToken),
            AddressRoot + key, Name, cancellationToken);
    }

    /// <summary>DeleteObjects takes up to 1,000 keys.</summary>
    public int MaxBatchSize => 1000;

    /// <summary>
    /// Deletes the keys with DeleteObjects in Quiet mode, 1,000 per request; S3 reports missing keys as deleted. Keys
    /// S3 could not delete carry their error, mapped like any other S3 error; a request that failed as a whole gives
    /// its error to each of its keys. A service without DeleteObjects (NotImplemented) gets one DeleteObject per key.
    /// </summary>
    public async Task<IReadOnlyList<DeleteResult>> DeleteManyAsync(IReadOnlyList<string> keys, CancellationToken cancellationToken = default)
    {
        var results = new DeleteResult[keys.Count];
        var valid = new List<int>(keys.Count);
        for (var i = 0; i < keys.Count; i++)
        {
            try
            {
                KeyValidator.ValidateObjectKey(keys[i], Name);
                valid.Add(i);
            }
            catch (StorageException e)
            {
                results[i] = new DeleteResult(keys[i], e);
            }
        }
        foreach (var batch in valid.Chunk(MaxBatchSize))
        {
            cancellationToken.ThrowIfCancellationRequested();
            var errors = new Dictionary<string, StorageException>(StringComparer.Ordinal);
            StorageException? requestFailure = null;
            try
            {
                var request = new DeleteObjectsRequest
                {
                    BucketName = Bucket,
                    Quiet = true,
                    Objects = batch.Select(i => new KeyVersion { Key = keys[i] }).ToList(),
                };
                var response = await S3ErrorMapper.RunAsync(() => Client.DeleteObjectsAsync(request, cancellationToken), AddressRoot, Name, cancellationToken).ConfigureAwait(false);
                foreach (var error in response.DeleteErrors ?? []) errors[error.Key] = S3ErrorMapper.FromErrorCode(error.Code, error.Message, AddressRoot + error.Key, Name);
            }
            catch (StorageException e) when (e.InnerException is DeleteObjectsException { Response: { } partial })
            {
                foreach (var error in partial.DeleteErrors ?? []) errors[error.Key] = S3ErrorMapper.FromErrorCode(error.Code, error.Message, AddressRoot + error.Key, Name);
            }
            catch (StorageException e) when (e.Kind == StorageErrorKind.Unsupported)
            {
                foreach (var i in batch) results[i] = await DeleteOneAsync(keys[i], cancellationToken).ConfigureAwait(false);
                continue;
            }
            catch (StorageException e)
            {
                requestFailure = e;
            }
            foreach (var i in batch)
                results[i] = new DeleteResult(keys[i], requestFailure ?? errors.GetValueOrDefault(keys[i]));
        }
        return results;
    }

    private async Task<DeleteResult> DeleteOneAsync(string key, CancellationToken ct)
    {
        try
        {
            await DeleteAsync(key, ct).ConfigureAwait(false);
            return new DeleteResult(key);
        }
        catch (StorageException e)
        {
            return new DeleteResult(key, e);
        }
    }

    // ---------------------------------------------------------------- optional abilities

    /// <inheritdoc />
    public bool CanCopyFrom(IStorageProvider source) => source is S3StorageProvider s && SameService(s);

    // CopyObject reads the source with the destination's credentials at the destination's endpoint.
    private bool SameService(S3StorageProvider other) =>
        Equals(Options.Endpoint, other.Options.Endpoint)
        && (Options.Endpoint is not null || string.Equals(Options.Region, other.Options.Region, StringComparison.OrdinalIgnoreCase))
        && Options.Profile == other.Options.Profile
        && Options.ProfilesLocation == other.Options.ProfilesLocation
        && ReferenceEquals(Options.Credentials, other.Options.Credentials);

    /// <inheritdoc />
    public Task<StorageItem> CopyFromAsync(IStorageProvider source, string sourceKey, string destinationKey, WriteOptions options, CancellationToken cancellationToken = default)
    {
        if (source is not S3StorageProvider s3 || !SameService(s3))
            throw new StorageException(StorageErrorKind.Unsupported, $"'{Name}' cannot copy server-side from '{source.Name}'.", source.Name, Name);
        KeyValidator.ValidateObjectKey(sourceKey, s3.Name);
        KeyValidator.ValidateObjectKey(destinationKey, Name);
        return CopyAsync(s3, sourceKey, destinationKey, options, cancellationToken);
    }

    private async Task<StorageItem> CopyAsync(S3StorageProvider source, string sourceKey, string destinationKey, WriteOptions options, CancellationToken ct) =>
        (await CopyWithPartsAsync(source, sourceKey, destinationKey, options, ct).ConfigureAwait(false)).Item;

    /// <summary>
    /// A server-side copy that also says how many parts it took (1 for CopyObject): the result travels with the call, so
    /// parallel copies through one shared provider never read each other's figures.
    /// </summary>
    internal async Task<(StorageItem Item, int Parts)> CopyWithPartsAsync(S3StorageProvider source, string sourceKey, string destinationKey, WriteOptions options,
        CancellationToken ct = default)
    {
        var copy = new S3ServerSideCopy(this);
        var item = await copy.CopyAsync(source, sourceKey, destinationKey, options, ct).ConfigureAwait(false);
        return (item, copy.Parts);
    }

    /// <inheritdoc />
    public Task<PresignedUrl> PresignAsync(string key, PresignRequest request, CancellationToken cancellationToken = default)
    {
        KeyValidator.ValidateObjectKey(key, Name);
        return _presigner.PresignAsync(key, request, cancellationToken);
    }

    /// <summary>
    /// MD5 only: the MD5 stored at upload (<c>cloudstorage-md5</c>), else a single-part ETag; null for multipart
    /// objects written without it. One HEAD request, no download.
    /// </summary>
    public async Task<ContentHash?> GetHashAsync(string key, HashAlgorithmKind algorithm, CancellationToken cancellationToken = default)
    {
        KeyValidator.ValidateObjectKey(key, Name);
        var head = await HeadAsync(key, cancellationToken).ConfigureAwait(false) ?? throw NotFound(AddressRoot + key);
        if (algorithm != HashAlgorithmKind.MD5) return null;
        var item = FromHead(key, head);
        return Core.Transfer.StoredHashes.Get(item, HashAlgorithmKind.MD5) ?? item.GetHash(HashAlgorithmKind.MD5);
    }

    internal StorageException NotFound(string target) =>
        new(StorageErrorKind.NotFound, $"'{target}' was not found in provider '{Name}'.", target, Name);

    /// <inheritdoc />
    public void Dispose()
    {
        if (Client is AmazonServiceClient serviceClient) serviceClient.AfterResponseEvent -= RememberPutDate;
        if (_ownsClient) Client.Dispose();
    }
}
