using System.Net;
using System.Runtime.CompilerServices;
using CloudStorage.Core.Addressing;
using CloudStorage.Core.Errors;
using CloudStorage.Core.Model;
using CloudStorage.Providers.Resilience;
using Google.Apis.Storage.v1.Data;
using Google.Cloud.Storage.V1;
using Polly;
using CloudStorage.Core.Providers;
using GcsObject = Google.Apis.Storage.v1.Data.Object;

namespace CloudStorage.Providers.Gcs;

/// <summary>
/// One Google Cloud Storage bucket (<c>gs://bucket/key</c>) on Google.Cloud.Storage.V1: <see cref="StorageClient"/>
/// for metadata, listings (objects.list pages fetched as the caller enumerates) and deletes; the SDK's resumable upload
/// for writes (<see cref="GcsUploader"/>); media reads streamed through the SDK's <c>StorageService</c> (ranges
/// included; StorageClient only downloads into a stream it is given); copies through objects.rewrite; V4 signed URLs
/// through the SDK's <see cref="UrlSigner"/>. md5Hash and crc32c are reported as native hashes. The SDK's retries
/// are off: the one retry layer is the provider's (Polly, <see cref="ResilientStorageProvider"/> and the per-request
/// pipeline of <see cref="GcsProviderOptions.RequestRetry"/>).
/// </summary>
public sealed class GcsStorageProvider : IStorageProvider, IServerSideCopier, IPresigner, IHashSource, IDisposable
{
    private readonly GcsCredentials _credentials;
    private readonly GcsClient _client;
    private readonly ResiliencePipeline _requestPipeline;

    /// <summary>A provider for <paramref name="options"/>.</summary>
    public GcsStorageProvider(GcsProviderOptions options)
    {
        options.Validate();
        Options = options;
        Name = options.Name ?? "gs://" + options.Bucket;
        AddressRoot = "gs://" + options.Bucket + "/";
        _credentials = new GcsCredentials(options);
        _client = new GcsClient(options, _credentials);
        _requestPipeline = options.RequestRetry is { } retry ? StorageResilience.CreatePipeline(retry) : ResiliencePipeline.Empty;
        Capabilities = new ProviderCapabilities
        {
            ListedHashes = new HashSet<HashAlgorithmKind> { HashAlgorithmKind.MD5, HashAlgorithmKind.CRC32C },
            UserMetadata = true,
            ContentType = true,
            ContentHeaders = true,
            Tags = false,
            StorageClass = true,
            // Modification times are kept as gsutil keeps them (goog-reserved-file-mtime, whole seconds).
            CanSetModifiedTime = true,
            ModifiedTimePrecision = TimeSpan.FromSeconds(1),
            MaxListPageSize = 1000,
            Versions = false,
            Copier = this,
            HashSource = this,
            // GCS serves ranges; the firebase-tools emulator answers each range by reading the whole object (a 256 MiB
            // download in 8 MiB ranges fell from ~130 to ~23 MiB/s), so against an emulator host large reads stay one GET.
            ParallelRangeReads = !options.IsEmulator,
            Presigner = this,
        };
    }


    IReadOnlySet<HashAlgorithmKind> IHashSource.Algorithms { get; } = new HashSet<HashAlgorithmKind> { HashAlgorithmKind.MD5, HashAlgorithmKind.CRC32C };

    TimeSpan IPresigner.MaxExpiry => GcsProviderOptions.MaxSignedUrlExpiry;

    /// <summary>The options in force.</summary>
    public GcsProviderOptions Options { get; }

    /// <summary>The bucket.</summary>
    public string Bucket => Options.Bucket;

    /// <inheritdoc />
    public string Name { get; }

    /// <inheritdoc />
    public string AddressRoot { get; }

    /// <inheritdoc />
    public ProviderCapabilities Capabilities { get; }

    private Task<StorageClient> ClientAsync(CancellationToken ct) => _client.GetAsync(ct);

    private Task<T> RunAsync<T>(string target, Func<Task<T>> action, CancellationToken ct) => GcsErrorMapper.RunAsync(action, target, Name, ct);

    private static readonly RetryOptions NoRetry = RetryOptions.Never;

    // ---------------------------------------------------------------- listing

    /// <inheritdoc />
    public async IAsyncEnumerable<StorageItem> ListAsync(ListRequest request, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        KeyValidator.ValidatePrefix(request.Prefix, Name);
        var pageSize = Math.Clamp(request.PageSize ?? Capabilities.MaxListPageSize, 1, Capabilities.MaxListPageSize);
        var target = AddressRoot + request.Prefix;
        var client = await RunAsync(target, () => ClientAsync(cancellationToken), cancellationToken).ConfigureAwait(false);
        var pages = client.ListObjectsAsync(Bucket, request.Prefix.Length > 0 ? request.Prefix : null, new ListObjectsOptions
        {
            Delimiter = string.IsNullOrEmpty(request.Delimiter) ? null : request.Delimiter,
            PageSize = pageSize,
            UserProject = Options.UserProject,
            RetryOptions = NoRetry,
        }).AsRawResponses().GetAsyncEnumerator(cancellationToken);
        await using (pages.ConfigureAwait(false))
        {
            string? last = null;
            // Pages are fetched as the caller enumerates (one objects.list call per MoveNext that needs one).
            while (await RunAsync(target, async () => await pages.MoveNextAsync().ConfigureAwait(false), cancellationToken).ConfigureAwait(false))
            {
                foreach (var item in MergePage(pages.Current))
                {
                    // A prefix spans pages and GCS repeats it on each: every key is yielded once, in order.
                    if (last is not null && KeyComparer.Instance.Compare(item.Key, last) <= 0) continue;
                    last = item.Key;
                    yield return item;
                }
            }
        }
    }

    // A page holds objects and prefixes of one key range as two lists; the contract wants one sorted sequence (UTF-8 order).
    private IEnumerable<StorageItem> MergePage(Objects page)
    {
        var objects = (page.Items ?? []).OrderBy(o => o.Name, KeyComparer.Instance).ToList();
        var prefixes = (page.Prefixes ?? []).Distinct().OrderBy(p => p, KeyComparer.Instance).ToList();
        int i = 0, j = 0;
        while (i < objects.Count || j < prefixes.Count)
        {
            if (j >= prefixes.Count || i < objects.Count && KeyComparer.Instance.Compare(objects[i].Name, prefixes[j]) < 0)
                yield return ToItem(objects[i++]);
            else
            {
                var prefix = prefixes[j++];
                yield return new StorageItem { ProviderName = Name, Key = prefix, Uri = AddressRoot + prefix, IsPrefix = true };
            }
        }
    }

    internal StorageItem ToItem(GcsObject o) => GcsObjects.ToItem(o, Name, AddressRoot);

    // ---------------------------------------------------------------- objects

    /// <inheritdoc />
    public async Task<StorageItem?> StatAsync(string key, CancellationToken cancellationToken = default)
    {
        KeyValidator.ValidateObjectKey(key, Name);
        return await GetObjectAsync(key, cancellationToken).ConfigureAwait(false) is { } o ? ToItem(o) : null;
    }

    // objects.get (metadata), or null when the object does not exist (a missing bucket is NotFound).
    private Task<GcsObject?> GetObjectAsync(string key, CancellationToken ct) => RunAsync(AddressRoot + key, async () =>
    {
        var client = await ClientAsync(ct).ConfigureAwait(false);
        try
        {
            return await client.GetObjectAsync(Bucket, key, new GetObjectOptions { UserProject = Options.UserProject, RetryOptions = NoRetry }, ct).ConfigureAwait(false);
        }
        catch (Google.GoogleApiException e) when (e.HttpStatusCode == HttpStatusCode.NotFound && !GcsErrorMapper.IsMissingBucket(e.Error?.Message ?? e.Message))
        {
            return null;
        }
    }, ct);

    /// <inheritdoc />
    public async Task<Stream> OpenReadAsync(string key, ByteRange? range = null, CancellationToken cancellationToken = default)
    {
        KeyValidator.ValidateObjectKey(key, Name);
        var target = AddressRoot + key;
        if (range is { Length: 0 })
        {
            // No HTTP range is empty: check that the object exists and read nothing.
            if (await GetObjectAsync(key, cancellationToken).ConfigureAwait(false) is null) throw NotFound(target);
            return new MemoryStream([], writable: false);
        }
        return await RunAsync<Stream>(target, async () =>
        {
            var service = (await ClientAsync(cancellationToken).ConfigureAwait(false)).Service;
            // objects.get as the SDK builds it (URL, userProject, credentials, user agent), read as media and streamed:
            // StorageClient.DownloadObject only copies into a stream it is given.
            var get = service.Objects.Get(Bucket, key);
            get.UserProject = Options.UserProject;
            using var request = get.CreateRequest();
            request.RequestUri = new Uri(request.RequestUri!.AbsoluteUri + (request.RequestUri.Query.Length > 0 ? "&" : "?") + "alt=media");
            if (range is { } r) request.Headers.TryAddWithoutValidation("Range", r.ToHttpRange());
            // Bytes as stored: a gzip-encoded object must not be decompressed on the way (its hashes are of the stored bytes).
            request.Headers.AcceptEncoding.ParseAdd("gzip");
            var response = await service.HttpClient.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
            try
            {
                if (response.StatusCode == HttpStatusCode.RequestedRangeNotSatisfiable)
                {
                    // 416: the object exists and the range starts at or beyond its end.
                    response.Dispose();
                    return new MemoryStream([], writable: false);
                }
                if (!response.IsSuccessStatusCode)
                {
                    var error = await service.DeserializeError(response).ConfigureAwait(false);
                    var failure = GcsErrorMapper.FromStatus(response.StatusCode, error?.Message, error?.Errors?.FirstOrDefault()?.Reason,
                        GcsCallState.RetryAfter, target, Name);
                    response.Dispose();
                    throw failure.Kind == StorageErrorKind.NotFound && !GcsErrorMapper.IsMissingBucket(error?.Message)
                        ? new StorageException(StorageErrorKind.NotFound, $"'{target}' was not found in provider '{Name}'.", target, Name, failure)
                        : failure;
                }
                // A server may answer a range with the whole object (200; the emulator does, also for a range past
                // the end): the stream skips to the range and cuts it there.
                var ignoredRange = range is { } asked && response.StatusCode == HttpStatusCode.OK && (asked.Offset > 0 || asked.Length is not null);
                return ignoredRange
                    ? await GcsReadStream.OpenAsync(response, range, range!.Value.Offset, range.Value.Length, target, Name, cancellationToken).ConfigureAwait(false)
                    : await GcsReadStream.OpenAsync(response, range, 0, null, target, Name, cancellationToken).ConfigureAwait(false);
            }
            catch
            {
                response.Dispose();
                throw;
            }
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task<StorageItem> WriteAsync(string key, Stream content, WriteOptions options, CancellationToken cancellationToken = default)
    {
        KeyValidator.ValidateObjectKey(key, Name);
        var target = AddressRoot + key;
        var client = await RunAsync(target, () => ClientAsync(cancellationToken), cancellationToken).ConfigureAwait(false);
        GcsCallState.Begin();
        var item = await new GcsUploader(client, Options, _requestPipeline, Name).UploadAsync(key, content, options, cancellationToken).ConfigureAwait(false);
        return ToItem(item);
    }

    /// <inheritdoc />
    public async Task DeleteAsync(string key, CancellationToken cancellationToken = default)
    {
        KeyValidator.ValidateObjectKey(key, Name);
        await RunAsync(AddressRoot + key, async () =>
        {
            var client = await ClientAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                await client.DeleteObjectAsync(Bucket, key, new DeleteObjectOptions { UserProject = Options.UserProject, RetryOptions = NoRetry }, cancellationToken).ConfigureAwait(false);
            }
            catch (Google.GoogleApiException e) when (e.HttpStatusCode == HttpStatusCode.NotFound)
            {
                // Deleting what is not there succeeds.
            }
            return true;
        }, cancellationToken).ConfigureAwait(false);
    }

    // ---------------------------------------------------------------- optional abilities

    /// <inheritdoc />
    public bool CanCopyFrom(IStorageProvider source) => source is GcsStorageProvider g && SameService(g);

    // objects.rewrite reads the source with the destination's credentials on the destination's service.
    private bool SameService(GcsStorageProvider other) =>
        Options.ServiceUri == other.Options.ServiceUri
        && Options.CredentialsFile == other.Options.CredentialsFile
        && ReferenceEquals(Options.Credential, other.Options.Credential)
        && Options.Anonymous == other.Options.Anonymous;

    /// <inheritdoc />
    public async Task<StorageItem> CopyFromAsync(IStorageProvider source, string sourceKey, string destinationKey, WriteOptions options, CancellationToken cancellationToken = default)
    {
        if (source is not GcsStorageProvider gcs || !SameService(gcs))
            throw new StorageException(StorageErrorKind.Unsupported, $"'{Name}' cannot copy server-side from '{source.Name}'.", source.Name, Name);
        KeyValidator.ValidateObjectKey(sourceKey, gcs.Name);
        KeyValidator.ValidateObjectKey(destinationKey, Name);
        var sourceTarget = gcs.AddressRoot + sourceKey;
        var destinationTarget = AddressRoot + destinationKey;

        // Without a body the copy keeps the source's content type and metadata; a body replaces them, so the
        // source's are merged with what the caller gives.
        GcsObject? resource = null;
        if (options.ContentType is not null || options.Metadata is not null || options.StorageClass is not null || options.ModifiedTime is not null)
        {
            var src = await gcs.GetObjectAsync(sourceKey, cancellationToken).ConfigureAwait(false) ?? throw NotFound(sourceTarget);
            var sourceMetadata = GcsObjects.Metadata(src);
            var metadata = new Dictionary<string, string>(sourceMetadata, StringComparer.OrdinalIgnoreCase);
            foreach (var (name, value) in options.Metadata ?? new Dictionary<string, string>()) metadata[name] = value;
            resource = GcsObjects.Resource(Bucket, destinationKey, options with
                {
                    Metadata = metadata,
                    StorageClass = options.StorageClass ?? src.StorageClass,
                    ModifiedTime = options.ModifiedTime ?? (sourceMetadata.ContainsKey(GcsObjects.MtimeKey) ? ToItem(src).LastModified : null),
                    ContentEncoding = options.ContentEncoding ?? src.ContentEncoding,
                    ContentDisposition = options.ContentDisposition ?? src.ContentDisposition,
                    ContentLanguage = options.ContentLanguage ?? src.ContentLanguage,
                    CacheControl = options.CacheControl ?? src.CacheControl,
                },
                options.ContentType ?? src.ContentType ?? GcsObjects.DefaultContentType);
        }
        try
        {
            return await RunAsync(sourceTarget, async () =>
            {
                // objects.rewrite through the SDK's service, looping on the rewrite token (StorageClient.CopyObject does
                // the same loop but cannot bound the bytes per call, the rewrite-bytes-per-call option).
                var service = (await ClientAsync(cancellationToken).ConfigureAwait(false)).Service;
                string? token = null;
                while (true)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    var rewrite = service.Objects.Rewrite(resource, gcs.Bucket, sourceKey, Bucket, destinationKey);
                    rewrite.RewriteToken = token;
                    rewrite.MaxBytesRewrittenPerCall = Options.MaxBytesRewrittenPerCall;
                    rewrite.UserProject = Options.UserProject;
                    var result = await rewrite.ExecuteAsync(cancellationToken).ConfigureAwait(false);
                    if (result.Done == true)
                    {
                        var item = result.Resource ?? await GetObjectAsync(destinationKey, cancellationToken).ConfigureAwait(false)
                            ?? throw new StorageException(StorageErrorKind.Conflict, $"'{destinationTarget}' vanished right after it was copied.", destinationTarget, Name);
                        return ToItem(item);
                    }
                    token = result.RewriteToken ?? throw new StorageException(StorageErrorKind.Unknown,
                        $"GCS answered an unfinished rewrite of '{sourceTarget}' without a rewrite token.", sourceTarget, Name);
                }
            }, cancellationToken).ConfigureAwait(false);
        }
        catch (StorageException e) when (e.Kind == StorageErrorKind.NotFound)
        {
            throw new StorageException(StorageErrorKind.NotFound, $"'{sourceTarget}' was not found (server-side copy to '{destinationTarget}').", sourceTarget, Name, e);
        }
    }

    /// <inheritdoc />
    public async Task<PresignedUrl> PresignAsync(string key, PresignRequest request, CancellationToken cancellationToken = default)
    {
        KeyValidator.ValidateObjectKey(key, Name);
        var target = AddressRoot + key;
        if (request.ExpiresIn <= TimeSpan.Zero || request.ExpiresIn > GcsProviderOptions.MaxSignedUrlExpiry)
            throw new StorageException(StorageErrorKind.InvalidArgument,
                $"A GCS V4 signed URL is valid for at most 7 days, not {request.ExpiresIn}.", target, Name);
        var headers = new Dictionary<string, string>();
        if (request.Method == PresignMethod.Put && request.ContentType is { Length: > 0 } contentType) headers["Content-Type"] = contentType;
        var expiry = TimeSpan.FromSeconds(Math.Max(1, Math.Floor(request.ExpiresIn.TotalSeconds)));
        var signer = await SignerAsync(cancellationToken).ConfigureAwait(false);
        var template = UrlSigner.RequestTemplate.FromBucket(Bucket).WithObjectName(key).WithHttpMethod(request.Method switch
        {
            PresignMethod.Put => HttpMethod.Put,
            PresignMethod.Delete => HttpMethod.Delete,
            _ => HttpMethod.Get,
        });
        if (headers.Count > 0) template = template.WithContentHeaders(headers.ToDictionary(h => h.Key, h => (IEnumerable<string>)[h.Value]));
        // An emulator or another endpoint is where the URL must lead; otherwise the universe's storage host.
        var endpoint = Options.EmulatorHost is { } emulator ? GcsProviderOptions.ParseHost(emulator).GetLeftPart(UriPartial.Authority)
            : Options.Endpoint?.GetLeftPart(UriPartial.Authority);
        var signOptions = GcsUrlSigning.OptionsFor(expiry, Options.UrlStyle, endpoint, Options.UniverseDomain, Options.BucketBoundHostname);
        var now = DateTimeOffset.UtcNow;
        var url = await RunAsync(target, () => signer.SignAsync(template, signOptions, cancellationToken), cancellationToken).ConfigureAwait(false);
        return new PresignedUrl
        {
            Uri = target,
            Method = request.Method,
            Url = url,
            ExpiresOn = now + expiry,
            RequiredHeaders = headers,
        };
    }

    private async Task<UrlSigner> SignerAsync(CancellationToken ct)
    {
        var hmac = Options.HmacKey ?? GcsHmacKey.FromEnvironment();
        if (Options.Signing == GcsSigningMode.Hmac)
            return hmac is null
                ? throw new StorageException(StorageErrorKind.Configuration,
                    $"Signing with an HMAC key was asked for '{Name}', but {GcsHmacKey.AccessIdVariable}/{GcsHmacKey.SecretVariable} are not set.", Name, Name)
                : GcsUrlSigning.ForHmac(hmac);
        var credential = await _credentials.TryGetCredentialAsync(ct).ConfigureAwait(false);
        if (credential is not null && GcsUrlSigning.ForCredential(credential) is { } signer) return signer;
        if (Options.Signing == GcsSigningMode.Auto && hmac is not null) return GcsUrlSigning.ForHmac(hmac);
        throw new StorageException(StorageErrorKind.Configuration,
            $"'{Name}' cannot sign URLs: V4 signing needs a service-account key (GOOGLE_APPLICATION_CREDENTIALS or credentials-file), " +
            $"a Compute Engine service account allowed to sign blobs, or an HMAC key ({GcsHmacKey.AccessIdVariable}/{GcsHmacKey.SecretVariable}). " +
            "gcloud user credentials cannot sign.", Name, Name);
    }

    /// <summary>
    /// MD5 (md5Hash; absent for composite objects, then the MD5 stored at upload if any) or CRC32C (crc32c, always).
    /// One metadata request, no download.
    /// </summary>
    public async Task<ContentHash?> GetHashAsync(string key, HashAlgorithmKind algorithm, CancellationToken cancellationToken = default)
    {
        KeyValidator.ValidateObjectKey(key, Name);
        var o = await GetObjectAsync(key, cancellationToken).ConfigureAwait(false) ?? throw NotFound(AddressRoot + key);
        var item = ToItem(o);
        return item.GetHash(algorithm) ?? Core.Transfer.StoredHashes.Get(item, algorithm);
    }

    internal StorageException NotFound(string target) =>
        new(StorageErrorKind.NotFound, $"'{target}' was not found in provider '{Name}'.", target, Name);

    /// <inheritdoc />
    public void Dispose() => _client.Dispose();
}
