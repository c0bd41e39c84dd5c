using System.Net;
using System.Runtime.CompilerServices;
using System.Text.Json.Nodes;
using CloudStorage.Addressing;
using CloudStorage.Errors;
using CloudStorage.Model;
using CloudStorage.Providers.Resilience;
using Polly;

namespace CloudStorage.Providers.Gcs;

/// <summary>
/// One Google Cloud Storage bucket (<c>gs://bucket/key</c>) over the JSON API (<see cref="GcsJsonApi"/>), with
/// Google.Apis.Auth for credentials and signing. Listings are objects.list pages fetched as the caller enumerates;
/// writes stream through <see cref="GcsUploader"/>; md5Hash and crc32c are reported as native hashes; copies use
/// objects.rewrite; presigned URLs are V4 (<see cref="GcsV4Signer"/>).
/// </summary>
public sealed class GcsStorageProvider : IStorageProvider, IServerSideCopier, IPresigner, IHashSource, IDisposable
{
    internal const string DefaultContentType = "application/octet-stream";
    private readonly GcsCredentials _credentials;
    private readonly GcsJsonApi _api;
    private readonly ResiliencePipeline _requestPipeline;

    /// <summary>A provider for <paramref name="options"/>.</summary>
    public GcsStorageProvider(GcsProviderOptions options)
    {
        options.Validate();
        Options = options;
        Name = options.Name ?? "gs://" + options.Bucket;
        AddressRoot = "gs://" + options.Bucket + "/";
        _credentials = new GcsCredentials(options);
        _api = new GcsJsonApi(options, _credentials, Name);
        _requestPipeline = options.RequestRetry is { } retry ? StorageResilience.CreatePipeline(retry) : ResiliencePipeline.Empty;
        Capabilities = new ProviderCapabilities
        {
            ListedHashes = new HashSet<HashAlgorithmKind> { HashAlgorithmKind.MD5, HashAlgorithmKind.CRC32C },
            Hashes = new HashSet<HashAlgorithmKind> { HashAlgorithmKind.MD5, HashAlgorithmKind.CRC32C },
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
            ServerSideCopy = true,
            // GCS serves ranges; the firebase-tools emulator answers each range by reading the whole object (a 256 MiB
            // download in 8 MiB ranges fell from ~130 to ~23 MiB/s), so against an emulator host large reads stay one GET.
            ParallelRangeReads = !options.IsEmulator,
            Presign = true,
            MaxPresignExpiry = GcsProviderOptions.MaxSignedUrlExpiry,
        };
    }

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

    /// <summary>What the last write through this provider did (diagnostics; null before the first).</summary>
    public GcsUploadStatistics? LastUpload { get; private set; }

    /// <summary>objects.rewrite calls of the last server-side copy into this provider (diagnostics).</summary>
    public int LastCopyCalls { get; private set; }

    // ---------------------------------------------------------------- listing

    /// <inheritdoc />
    public async IAsyncEnumerable<StorageItem> ListAsync(ListRequest request, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        KeyValidator.ValidatePrefix(request.Prefix, Name);
        var pageSize = Math.Clamp(request.PageSize ?? Capabilities.MaxListPageSize, 1, Capabilities.MaxListPageSize);
        string? token = null;
        string? last = null;
        do
        {
            cancellationToken.ThrowIfCancellationRequested();
            var page = await _api.ListAsync(request.Prefix, request.Delimiter, pageSize, token, cancellationToken).ConfigureAwait(false);
            foreach (var item in MergePage(page))
            {
                // A prefix spans pages and GCS repeats it on each: every key is yielded once, in order.
                if (last is not null && KeyComparer.Instance.Compare(item.Key, last) <= 0) continue;
                last = item.Key;
                yield return item;
            }
            token = page.NextPageToken;
        }
        while (token is not null);
    }

    // A page holds objects and prefixes of one key range as two lists; the contract wants one sorted sequence.
    private IEnumerable<StorageItem> MergePage(GcsListPage page)
    {
        var objects = page.Items.OrderBy(o => o.Name, KeyComparer.Instance).ToList();
        var prefixes = page.Prefixes.Distinct().OrderBy(p => p, KeyComparer.Instance).ToList();
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

    internal StorageItem ToItem(GcsObject o) => new()
    {
        ProviderName = Name,
        Key = o.Name,
        Uri = AddressRoot + o.Name,
        Size = o.Size,
        LastModified = o.LastModified,
        ETag = o.ETag,
        ContentType = o.ContentType,
        ContentEncoding = o.ContentEncoding,
        ContentDisposition = o.ContentDisposition,
        ContentLanguage = o.ContentLanguage,
        CacheControl = o.CacheControl,
        StorageClass = o.StorageClass,
        Metadata = o.UserMetadata(),
        Hashes = o.Hashes(),
    };

    // ---------------------------------------------------------------- objects

    /// <inheritdoc />
    public async Task<StorageItem?> StatAsync(string key, CancellationToken cancellationToken = default)
    {
        KeyValidator.ValidateObjectKey(key, Name);
        return await _api.GetObjectAsync(key, cancellationToken).ConfigureAwait(false) is { } o ? ToItem(o) : null;
    }

    /// <inheritdoc />
    public async Task<Stream> OpenReadAsync(string key, ByteRange? range = null, CancellationToken cancellationToken = default)
    {
        KeyValidator.ValidateObjectKey(key, Name);
        var target = AddressRoot + key;
        if (range is { Length: 0 })
        {
            // No HTTP range is empty: check that the object exists and read nothing.
            if (await _api.GetObjectAsync(key, cancellationToken).ConfigureAwait(false) is null) throw NotFound(target);
            return new MemoryStream([], writable: false);
        }
        HttpResponseMessage response;
        try
        {
            response = await _api.DownloadAsync(key, range, null, cancellationToken).ConfigureAwait(false);
        }
        catch (StorageException e) when (e.Kind == StorageErrorKind.NotFound)
        {
            throw new StorageException(StorageErrorKind.NotFound, $"'{target}' was not found in provider '{Name}'.", target, Name, e);
        }
        if (response.StatusCode == HttpStatusCode.RequestedRangeNotSatisfiable)
        {
            // 416: the object exists and the range starts at or beyond its end.
            response.Dispose();
            return new MemoryStream([], writable: false);
        }
        try
        {
            var ignoredRange = range is { } r && response.StatusCode == HttpStatusCode.OK && (r.Offset > 0 || r.Length is not null);
            return ignoredRange
                ? await GcsReadStream.OpenAsync(response, range!.Value.Offset, range.Value.Length, cancellationToken).ConfigureAwait(false)
                : await GcsReadStream.OpenAsync(response, 0, null, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            response.Dispose();
            throw;
        }
    }

    /// <inheritdoc />
    public async Task<StorageItem> WriteAsync(string key, Stream content, WriteOptions options, CancellationToken cancellationToken = default)
    {
        KeyValidator.ValidateObjectKey(key, Name);
        var (item, stats) = await new GcsUploader(_api, Options, _requestPipeline, Name).UploadAsync(key, content, options, cancellationToken).ConfigureAwait(false);
        LastUpload = stats;
        return ToItem(item);
    }

    /// <inheritdoc />
    public async Task DeleteAsync(string key, CancellationToken cancellationToken = default)
    {
        KeyValidator.ValidateObjectKey(key, Name);
        await _api.DeleteAsync(key, cancellationToken).ConfigureAwait(false);
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

        // Without a body the copy keeps the source's content type and metadata; a body replaces them, so the
        // source's are merged with what the caller gives.
        JsonObject? resource = null;
        if (options.ContentType is not null || options.Metadata is not null || options.StorageClass is not null || options.ModifiedTime is not null)
        {
            var src = await gcs._api.GetObjectAsync(sourceKey, cancellationToken).ConfigureAwait(false) ?? throw NotFound(sourceTarget);
            var metadata = new Dictionary<string, string>(src.Metadata, StringComparer.OrdinalIgnoreCase);
            foreach (var (name, value) in options.Metadata ?? new Dictionary<string, string>()) metadata[name] = value;
            resource = GcsUploader.Resource(destinationKey, options with
                {
                    Metadata = metadata,
                    StorageClass = options.StorageClass ?? src.StorageClass,
                    ModifiedTime = options.ModifiedTime ?? (src.Metadata.ContainsKey(GcsObject.MtimeKey) ? src.LastModified : null),
                    ContentEncoding = options.ContentEncoding ?? src.ContentEncoding,
                    ContentDisposition = options.ContentDisposition ?? src.ContentDisposition,
                    ContentLanguage = options.ContentLanguage ?? src.ContentLanguage,
                    CacheControl = options.CacheControl ?? src.CacheControl,
                },
                options.ContentType ?? src.ContentType ?? DefaultContentType);
        }
        string? token = null;
        var calls = 0;
        try
        {
            while (true)
            {
                cancellationToken.ThrowIfCancellationRequested();
                calls++;
                var result = await _api.RewriteAsync(gcs.Bucket, sourceKey, destinationKey, resource, token, cancellationToken).ConfigureAwait(false);
                if (result.Done)
                {
                    LastCopyCalls = calls;
                    var item = result.Resource ?? await _api.GetObjectAsync(destinationKey, cancellationToken).ConfigureAwait(false)
                        ?? throw new StorageException(StorageErrorKind.Conflict, $"'{AddressRoot + destinationKey}' vanished right after it was copied.", AddressRoot + destinationKey, Name);
                    return ToItem(item);
                }
                token = result.RewriteToken ?? throw new StorageException(StorageErrorKind.Unknown,
                    $"GCS answered an unfinished rewrite of '{sourceTarget}' without a rewrite token.", sourceTarget, Name);
            }
        }
        catch (StorageException e) when (e.Kind == StorageErrorKind.NotFound)
        {
            throw new StorageException(StorageErrorKind.NotFound, $"'{sourceTarget}' was not found (server-side copy to '{AddressRoot + destinationKey}').", sourceTarget, Name, e);
        }
    }

    /// <inheritdoc />
    public async Task<PresignedUrl> PresignAsync(string key, PresignRequest request, CancellationToken cancellationToken = default)
    {
        KeyValidator.ValidateObjectKey(key, Name);
        if (request.ExpiresIn <= TimeSpan.Zero || request.ExpiresIn > Capabilities.MaxPresignExpiry)
            throw new StorageException(StorageErrorKind.InvalidArgument,
                $"A GCS V4 signed URL is valid for at most 7 days, not {request.ExpiresIn}.", AddressRoot + key, Name);
        var headers = new Dictionary<string, string>();
        if (request.Method == PresignMethod.Put && request.ContentType is { Length: > 0 } contentType) headers["Content-Type"] = contentType;
        var signed = await SignUrlAsync(new GcsSignedUrlRequest
        {
            Bucket = Bucket,
            ObjectName = key,
            Method = request.Method.ToString().ToUpperInvariant(),
            Expiry = TimeSpan.FromSeconds(Math.Max(1, Math.Floor(request.ExpiresIn.TotalSeconds))),
            Headers = headers,
        }, cancellationToken).ConfigureAwait(false);
        return new PresignedUrl
        {
            Uri = AddressRoot + key,
            Method = request.Method,
            Url = signed.Url.AbsoluteUri,
            ExpiresOn = signed.ExpiresOn,
            RequiredHeaders = headers,
        };
    }

    /// <summary>
    /// Signs any V4 request on this bucket (POST with <c>x-goog-resumable: start</c>, custom headers and query
    /// parameters): the provider fills in the endpoint, URL style and key; the request's own values win where set.
    /// </summary>
    public async Task<(Uri Url, DateTimeOffset ExpiresOn)> SignUrlAsync(GcsSignedUrlRequest request, CancellationToken cancellationToken = default)
    {
        var signer = new GcsV4Signer(await SigningKeyAsync(cancellationToken).ConfigureAwait(false));
        var effective = request with
        {
            Endpoint = request.Endpoint ?? (Options.IsEmulator || Options.Endpoint is not null ? Options.ServiceUri.ToString().TrimEnd('/') : null),
            UniverseDomain = Options.UniverseDomain,
            UrlStyle = request.UrlStyle == GcsUrlStyle.PathStyle ? Options.UrlStyle : request.UrlStyle,
            BucketBoundHostname = request.BucketBoundHostname ?? Options.BucketBoundHostname,
        };
        var parts = signer.Canonicalize(effective);
        return (await signer.SignAsync(effective, cancellationToken).ConfigureAwait(false), parts.ExpiresOn);
    }

    private async Task<IGcsSigningKey> SigningKeyAsync(CancellationToken ct)
    {
        var hmac = Options.HmacKey ?? GcsHmacKey.FromEnvironment();
        if (Options.Signing == GcsSigningMode.Hmac)
            return hmac is null
                ? throw new StorageException(StorageErrorKind.Configuration,
                    $"Signing with an HMAC key was asked for '{Name}', but {GcsHmacKey.AccessIdVariable}/{GcsHmacKey.SecretVariable} are not set.", Name, Name)
                : new GcsHmacSigningKey(hmac);
        var credential = await _credentials.TryGetCredentialAsync(ct).ConfigureAwait(false);
        if (credential is not null && await GcsRsaSigningKey.FromCredentialAsync(credential, ct).ConfigureAwait(false) is { } rsa) return rsa;
        if (Options.Signing == GcsSigningMode.Auto && hmac is not null) return new GcsHmacSigningKey(hmac);
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
        var o = await _api.GetObjectAsync(key, cancellationToken).ConfigureAwait(false) ?? throw NotFound(AddressRoot + key);
        var item = ToItem(o);
        return item.GetHash(algorithm) ?? Transfer.StoredHashes.Get(item, algorithm);
    }

    internal StorageException NotFound(string target) =>
        new(StorageErrorKind.NotFound, $"'{target}' was not found in provider '{Name}'.", target, Name);

    /// <inheritdoc />
    public void Dispose() => _api.Dispose();
}
