using System.Runtime.CompilerServices;
using System.Text.RegularExpressions;
using Azure;
using Azure.Storage.Blobs.Models;
using CloudStorage.Core.Addressing;
using CloudStorage.Core.Errors;
using CloudStorage.Core.Model;
using CloudStorage.Providers.Resilience;
using Polly;
using CloudStorage.Core.Providers;

namespace CloudStorage.Providers.Azure;

/// <summary>
/// One Azure Blob Storage container (<c>az://account/container/blob</c>) through the official SDK, Azure.Storage.Blobs
/// (<see cref="AzureBlobClients"/>). Listings are List Blobs pages fetched as the caller enumerates, put in the engine's
/// UTF-8 order; writes stream through the shared part pipeline (<see cref="AzureBlockUploader"/>) and always store the
/// content's MD5 as the blob's Content-MD5, which stat and listings report as its native MD5; copies stay on the
/// service; presigned URLs are SAS made by the SDK's BlobSasBuilder. The instance holds no per-operation state: one
/// provider serves a parallel sync.
/// </summary>
public sealed partial class AzureBlobStorageProvider : IStorageProvider, IServerSideCopier, IPresigner, IHashSource
{
    internal const string DefaultContentType = "application/octet-stream";

    // Azure metadata names are C# identifiers; the engine's stored-hash names (cloudstorage-md5) are kept as cloudstorage_md5.
    private const string StoredHashPrefix = "cloudstorage-";
    private const string AzureStoredHashPrefix = "cloudstorage_";

    private readonly AzurePresigner _presigner;

    /// <summary>A provider for <paramref name="options"/>; without a credential, one is found in the standard places.</summary>
    public AzureBlobStorageProvider(AzureBlobProviderOptions options)
    {
        options.Validate();
        options = AzureCredentialResolver.Resolve(options);
        Options = options;
        if (options.Credential is AzureTokenCredential && options.EffectiveEndpoint.Scheme != Uri.UriSchemeHttps)
            // The SDK refuses bearer tokens over plain http (an http:// endpoint with Entra ID): said here, as configuration.
            throw new StorageException(StorageErrorKind.Configuration,
                $"Microsoft Entra ID tokens are sent only over https, and the endpoint of 'az://{options.Account}/{options.Container}' is http; use an https endpoint, a key or a SAS.",
                $"az://{options.Account}/{options.Container}", isTransient: false);
        Clients = new AzureBlobClients(options);
        Name = options.Name ?? $"az://{options.Account}/{options.Container}";
        AddressRoot = $"az://{options.Account}/{options.Container}/";
        BlockPipeline = options.PartRetry is { } retry ? StorageResilience.CreatePipeline(retry) : ResiliencePipeline.Empty;
        _presigner = new AzurePresigner(this);
        var canPresign = options.Credential is AzureSharedKeyCredential or AzureTokenCredential;
        Capabilities = new ProviderCapabilities
        {
            ListedHashes = new HashSet<HashAlgorithmKind> { HashAlgorithmKind.MD5 },
            UserMetadata = true,
            ContentType = true,
            ContentHeaders = true,
            MetadataNames = MetadataNameRule.Identifier,
            MetadataAsciiValuesOnly = true,
            Tags = true,
            StorageClass = true,
            // The blob's Last-Modified is the service's; the source's time is kept in rclone's "mtime" metadata instead.
            CanSetModifiedTime = false,
            ModifiedTimePrecision = TimeSpan.FromSeconds(1),
            MaxListPageSize = 5000,
            ParallelRangeReads = true,
            Copier = this,
            HashSource = this,
            // Only a key or an Entra token can sign; a SAS or anonymous client declares no presigning.
            Presigner = canPresign ? this : null,
        };
    }

    IReadOnlySet<HashAlgorithmKind> IHashSource.Algorithms { get; } = new HashSet<HashAlgorithmKind> { HashAlgorithmKind.MD5 };

    TimeSpan IPresigner.MaxExpiry => Options.MaxPresignExpiry;

    /// <summary>The options in force (the credential shows only its kind when printed).</summary>
    public AzureBlobProviderOptions Options { get; }

    /// <summary>The SDK's clients of this container.</summary>
    internal AzureBlobClients Clients { get; }

    /// <summary>Retries of single blocks.</summary>
    internal ResiliencePipeline BlockPipeline { get; }

    /// <summary>The storage account.</summary>
    public string Account => Options.Account;

    /// <summary>The container.</summary>
    public string Container => Options.Container;

    /// <inheritdoc />
    public string Name { get; }

    /// <inheritdoc />
    public string AddressRoot { get; }

    /// <inheritdoc />
    public ProviderCapabilities Capabilities { get; }

    /// <inheritdoc />
    public override string ToString() => $"{Name} ({Options.EffectiveEndpoint}, {Options.Credential})";

    // ---------------------------------------------------------------- listing

    /// <inheritdoc />
    /// <remarks>
    /// Azure (and Azurite) list in UTF-16 code-unit order; <see cref="ListingOrder.FromUtf16Order"/> turns that into the
    /// engine's UTF-8 order as the pages stream.
    /// </remarks>
    public IAsyncEnumerable<StorageItem> ListAsync(ListRequest request, CancellationToken cancellationToken = default) =>
        ListingOrder.FromUtf16Order(ListInServiceOrderAsync(request, cancellationToken), cancellationToken);

    private async IAsyncEnumerable<StorageItem> ListInServiceOrderAsync(ListRequest request, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        KeyValidator.ValidatePrefix(request.Prefix, Name);
        var pageSize = Math.Clamp(request.PageSize ?? Capabilities.MaxListPageSize, 1, Capabilities.MaxListPageSize);
        var prefix = request.Prefix.Length > 0 ? request.Prefix : null;
        await using var enumerator = PagesAsync(prefix, request.Delimiter, pageSize, cancellationToken).GetAsyncEnumerator(cancellationToken);
        string? lastPrefix = null;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var more = await AzureErrorMapper.RunAsync(async () => await enumerator.MoveNextAsync().ConfigureAwait(false),
                AddressRoot + request.Prefix, Name, cancellationToken).ConfigureAwait(false);
            if (!more) yield break;
            // The service sends blobs and prefixes in UTF-16 order, prefixes first within a page on Azurite: sorting
            // the page (stable) restores the order within it; ListingOrder makes it UTF-8 order across pages.
            foreach (var entry in enumerator.Current.OrderBy(e => e.IsPrefix ? e.Prefix : e.Blob.Name, StringComparer.Ordinal))
            {
                if (entry.IsPrefix)
                {
                    // A prefix can close one page and open the next: each prefix once.
                    if (entry.Prefix == lastPrefix) continue;
                    lastPrefix = entry.Prefix;
                    yield return new StorageItem { ProviderName = Name, Key = entry.Prefix, Uri = AddressRoot + entry.Prefix, IsPrefix = true };
                }
                else
                {
                    yield return ToItem(entry.Blob.Name, AzureBlobProperties.From(entry.Blob));
                }
            }
        }
    }

    // List Blobs pages as the SDK fetches them; a flat listing's blobs in the hierarchy's shape.
    private async IAsyncEnumerable<IReadOnlyList<BlobHierarchyItem>> PagesAsync(string? prefix, string? delimiter, int pageSize,
        [EnumeratorCancellation] CancellationToken ct)
    {
        if (string.IsNullOrEmpty(delimiter))
        {
            await foreach (var page in Clients.Container.GetBlobsAsync(BlobTraits.Metadata, BlobStates.None, prefix, ct).AsPages(pageSizeHint: pageSize).ConfigureAwait(false))
                yield return page.Values.Select(b => BlobsModelFactory.BlobHierarchyItem(null, b)).ToList();
        }
        else
        {
            await foreach (var page in Clients.Container.GetBlobsByHierarchyAsync(BlobTraits.Metadata, BlobStates.None, delimiter, prefix, ct).AsPages(pageSizeHint: pageSize).ConfigureAwait(false))
                yield return page.Values;
        }
    }

    internal StorageItem ToItem(string key, AzureBlobProperties p) => new()
    {
        ProviderName = Name,
        Key = key,
        Uri = AddressRoot + key,
        Size = p.ContentLength,
        LastModified = p.LastModified,
        ETag = p.ETag,
        ContentType = p.ContentType ?? DefaultContentType,
        ContentEncoding = NullIfEmpty(p.ContentEncoding),
        ContentDisposition = NullIfEmpty(p.ContentDisposition),
        ContentLanguage = NullIfEmpty(p.ContentLanguage),
        CacheControl = NullIfEmpty(p.CacheControl),
        StorageClass = p.AccessTier,
        Metadata = FromAzureMetadata(p.Metadata),
        Hashes = p.ContentMd5 is { } md5 ? [new ContentHash(HashAlgorithmKind.MD5, md5)] : [],
    };

    // ---------------------------------------------------------------- objects

    /// <inheritdoc />
    public async Task<StorageItem?> StatAsync(string key, CancellationToken cancellationToken = default)
    {
        ValidateKey(key);
        var properties = await GetPropertiesAsync(key, cancellationToken).ConfigureAwait(false);
        return properties is null ? null : ToItem(key, properties);
    }

    /// <summary>Get Blob Properties; null when the blob does not exist (a missing container throws NotFound naming it).</summary>
    internal Task<AzureBlobProperties?> GetPropertiesAsync(string key, CancellationToken ct) =>
        AzureErrorMapper.RunAsync<AzureBlobProperties?>(async () =>
        {
            try
            {
                return AzureBlobProperties.From((await Clients.Blob(key).GetPropertiesAsync(cancellationToken: ct).ConfigureAwait(false)).Value);
            }
            catch (RequestFailedException e) when (e.Status == 404 && AzureErrorMapper.ErrorCode(e) is null or "BlobNotFound")
            {
                // HEAD answers carry no body: the code comes from x-ms-error-code, which says ContainerNotFound when it is the container.
                return null;
            }
        }, AddressRoot + key, Name, ct);

    /// <inheritdoc />
    public async Task<Stream> OpenReadAsync(string key, ByteRange? range = null, CancellationToken cancellationToken = default)
    {
        ValidateKey(key);
        var target = AddressRoot + key;
        if (range is { Length: 0 })
        {
            // No HTTP range is empty: check that the blob exists and read nothing.
            if (await GetPropertiesAsync(key, cancellationToken).ConfigureAwait(false) is null) throw NotFound(target);
            return new MemoryStream([], writable: false);
        }
        var download = await AzureErrorMapper.RunAsync<BlobDownloadStreamingResult?>(async () =>
        {
            try
            {
                return (await Clients.Blob(key).DownloadStreamingAsync(new BlobDownloadOptions
                {
                    Range = range is { } r ? new HttpRange(r.Offset, r.Length) : default,
                }, cancellationToken).ConfigureAwait(false)).Value;
            }
            catch (RequestFailedException e) when (e.Status == 416)
            {
                // The blob exists and the range starts at or beyond its end.
                return null;
            }
        }, target, Name, cancellationToken).ConfigureAwait(false);
        if (download is null) return new MemoryStream([], writable: false);
        var size = BlobLength(download.Details);
        var length = range is { } requested ? requested.Resolve(size).Count : size;
        return new AzureReadStream(download, length, target, Name);
    }

    // The whole blob's length: the total of Content-Range on a ranged answer, else Content-Length.
    private static long BlobLength(BlobDownloadDetails details)
    {
        if (details.ContentRange is { } range && range.LastIndexOf('/') is var slash and >= 0
            && long.TryParse(range[(slash + 1)..], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var total))
            return total;
        return details.ContentLength;
    }

    /// <inheritdoc />
    public async Task<StorageItem> WriteAsync(string key, Stream content, WriteOptions options, CancellationToken cancellationToken = default)
    {
        ValidateKey(key);
        return (await WriteWithStatisticsAsync(key, content, options, cancellationToken).ConfigureAwait(false)).Item;
    }

    /// <summary>A write that also returns what the upload did (blocks, buffers, parallelism): the result travels with the call.</summary>
    internal async Task<(StorageItem Item, Common.PartUploadStatistics Upload)> WriteWithStatisticsAsync(string key, Stream content, WriteOptions options,
        CancellationToken cancellationToken = default)
    {
        ValidateKey(key);
        var (upload, _, written) = await AzureBlockUploader.UploadAsync(this, key, content, options, cancellationToken).ConfigureAwait(false);
        return (written ?? await StatAfterWriteAsync(key, tierSent: !string.IsNullOrWhiteSpace(options.StorageClass)).ConfigureAwait(false), upload);
    }

    // The tier a blob written without one reports (the account's default, inferred by the service), learned from the
    // stat after such a write; null until then. A fact about the account, the same for every write: no per-operation state.
    private sealed record InferredTier(string? Tier);
    private volatile InferredTier? _inferredTier;

    /// <summary>
    /// The written blob as a single Put Blob's answer describes it, or null when the answer cannot decide and Get Blob
    /// Properties must ask. It decides when the answer's Content-MD5 (the service's MD5 of the bytes it stored) equals
    /// the MD5 of the bytes sent, which proves content and length; the ETag and Last-Modified are the answer's (the same
    /// values a stat reports); everything else the item says (type, headers, metadata with the mtime, tier) is what the
    /// request set, which the service stores as given. A blob written without a tier reports the account's default,
    /// known once one stat after such a write has reported it as inferred. An answer without that MD5 (a store that kept
    /// other bytes, or answers none) falls back to the stat, whose MD5 the engine checks against what it sent.
    /// </summary>
    internal StorageItem? WrittenFromPut(string key, BlobContentInfo answer, BlobHttpHeaders sent, IReadOnlyDictionary<string, string>? metadata,
        string? tier, ContentHash sentMd5, long size)
    {
        if (answer.ContentHash is not { Length: 16 } md5 || !new ContentHash(HashAlgorithmKind.MD5, md5).Equals(sentMd5)) return null;
        if (tier is null)
        {
            if (_inferredTier is not { } inferred) return null;
            tier = inferred.Tier;
        }
        return ToItem(key, AzureBlobProperties.From(answer, sent, metadata, tier, size));
    }

    // The written blob as the service reports it. Done even when the caller cancels right now: the blob is stored.
    internal async Task<StorageItem> StatAfterWriteAsync(string key, bool tierSent = true)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        // Retried here: the write is done and its source may not be replayable, so the outer layer cannot repeat it.
        var properties = await BlockPipeline.ExecuteAsync("Stat", t => new ValueTask<AzureBlobProperties?>(GetPropertiesAsync(key, t)), timeout.Token).ConfigureAwait(false)
            ?? throw new StorageException(StorageErrorKind.Conflict, $"'{AddressRoot + key}' vanished right after it was written.", AddressRoot + key, Name);
        if (!tierSent && properties.AccessTierInferred) _inferredTier = new InferredTier(properties.AccessTier);
        return ToItem(key, properties);
    }

    /// <inheritdoc />
    public Task DeleteAsync(string key, CancellationToken cancellationToken = default)
    {
        ValidateKey(key);
        return AzureErrorMapper.RunAsync(async () =>
        {
            try
            {
                await Clients.Blob(key).DeleteAsync(DeleteSnapshotsOption.IncludeSnapshots, cancellationToken: cancellationToken).ConfigureAwait(false);
            }
            catch (RequestFailedException e) when (e.Status == 404 && AzureErrorMapper.ErrorCode(e) is null or "BlobNotFound")
            {
                // Deleting a missing blob succeeds; a missing container (ContainerNotFound) is NotFound.
            }
        }, AddressRoot + key, Name, cancellationToken);
    }

    // ---------------------------------------------------------------- optional abilities

    /// <inheritdoc />
    public bool CanCopyFrom(IStorageProvider source) => source is AzureBlobStorageProvider other && AzureServerSideCopy.CanReach(this, other);

    /// <inheritdoc />
    public async Task<StorageItem> CopyFromAsync(IStorageProvider source, string sourceKey, string destinationKey, WriteOptions options, CancellationToken cancellationToken = default) =>
        (await CopyWithMethodAsync(source, sourceKey, destinationKey, options, cancellationToken).ConfigureAwait(false)).Item;

    /// <summary>A server-side copy that also says how it went (<c>CopyBlobFromUrl</c> or <c>CopyBlob</c>): the result travels with the call.</summary>
    internal Task<(StorageItem Item, string Method)> CopyWithMethodAsync(IStorageProvider source, string sourceKey, string destinationKey, WriteOptions options,
        CancellationToken cancellationToken = default)
    {
        if (source is not AzureBlobStorageProvider azure || !AzureServerSideCopy.CanReach(this, azure))
            throw new StorageException(StorageErrorKind.Unsupported, $"'{Name}' cannot copy server-side from '{source.Name}'.", source.Name, Name);
        azure.ValidateKey(sourceKey);
        ValidateKey(destinationKey);
        return new AzureServerSideCopy(this).CopyAsync(azure, sourceKey, destinationKey, options, cancellationToken);
    }

    /// <inheritdoc />
    public Task<PresignedUrl> PresignAsync(string key, PresignRequest request, CancellationToken cancellationToken = default) =>
        PresignAsync(key, request, null, cancellationToken);

    /// <summary>A SAS URL for one blob, valid from <paramref name="startsOn"/> (null: at once) for <see cref="PresignRequest.ExpiresIn"/>.</summary>
    public Task<PresignedUrl> PresignAsync(string key, PresignRequest request, DateTimeOffset? startsOn, CancellationToken cancellationToken = default)
    {
        ValidateKey(key);
        return _presigner.PresignAsync(key, request, startsOn, cancellationToken);
    }

    /// <summary>MD5 only: the blob's Content-MD5 (one Get Blob Properties request); null when the blob has none.</summary>
    public async Task<ContentHash?> GetHashAsync(string key, HashAlgorithmKind algorithm, CancellationToken cancellationToken = default)
    {
        ValidateKey(key);
        var properties = await GetPropertiesAsync(key, cancellationToken).ConfigureAwait(false) ?? throw NotFound(AddressRoot + key);
        return algorithm == HashAlgorithmKind.MD5 && properties.ContentMd5 is { } md5 ? new ContentHash(HashAlgorithmKind.MD5, md5) : null;
    }

    // ---------------------------------------------------------------- helpers

    internal StorageException NotFound(string target) =>
        new(StorageErrorKind.NotFound, $"'{target}' was not found in provider '{Name}'.", target, Name);

    /// <summary>The shared key rules, plus Azure's: no backslash, and no path segment ending in '.' (the service drops such dots).</summary>
    internal void ValidateKey(string key)
    {
        KeyValidator.ValidateObjectKey(key, Name);
        if (key.Contains('\\'))
            throw new StorageException(StorageErrorKind.InvalidKey, $"Invalid key '{key}': Azure Blob Storage reads '\\' as '/'; use '/' between segments.", key, Name);
        foreach (var segment in key.Split('/'))
            if (segment.EndsWith('.'))
                throw new StorageException(StorageErrorKind.InvalidKey,
                    $"Invalid key '{key}': Azure Blob Storage does not keep path segments that end with '.'.", key, Name);
    }

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_]*$")]
    private static partial Regex MetadataNamePattern();

    private static string? NullIfEmpty(string? value) => string.IsNullOrEmpty(value) ? null : value;

    /// <summary>The content headers of a write (the MD5 is added by the uploader when known).</summary>
    internal BlobHttpHeaders HttpHeaders(WriteOptions options) => new()
    {
        ContentType = string.IsNullOrWhiteSpace(options.ContentType) ? DefaultContentType : options.ContentType,
        ContentEncoding = NullIfEmpty(options.ContentEncoding),
        ContentDisposition = NullIfEmpty(options.ContentDisposition),
        ContentLanguage = NullIfEmpty(options.ContentLanguage),
        CacheControl = NullIfEmpty(options.CacheControl),
    };

    /// <summary>
    /// The metadata to store, names mapped and checked against Azure's rules, with the modification time to keep in
    /// rclone's Azure form (<c>mtime</c>, RFC 3339 with nanoseconds). Null (the service keeps or copies what it has)
    /// when neither is given.
    /// </summary>
    internal Dictionary<string, string>? ToAzureMetadata(IReadOnlyDictionary<string, string>? metadata, string target, DateTimeOffset? modifiedTime = null)
    {
        if (metadata is null && modifiedTime is null) return null;
        var result = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        if (modifiedTime is { } mtime) result[Core.Transfer.StoredModifiedTime.RcloneKey] = Core.Transfer.StoredModifiedTime.FormatRfc3339Nano(mtime);
        metadata ??= new Dictionary<string, string>();
        foreach (var (rawName, value) in metadata)
        {
            var name = rawName.StartsWith(StoredHashPrefix, StringComparison.OrdinalIgnoreCase)
                ? AzureStoredHashPrefix + rawName[StoredHashPrefix.Length..].Replace('-', '_')
                : rawName;
            if (!MetadataNamePattern().IsMatch(name))
                throw new StorageException(StorageErrorKind.InvalidArgument,
                    $"The metadata name '{rawName}' cannot be stored on '{target}': Azure metadata names are letters, digits and '_', not starting with a digit.", target, Name);
            if (value.Any(c => c > 0x7e || (c < 0x20 && c != '\t')))
                throw new StorageException(StorageErrorKind.InvalidArgument,
                    $"The value of metadata '{rawName}' cannot be stored on '{target}': Azure metadata values are printable ASCII.", target, Name);
            result[name] = value;
        }
        return result;
    }

    private static Dictionary<string, string> FromAzureMetadata(IReadOnlyDictionary<string, string> metadata)
    {
        var result = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (name, value) in metadata)
        {
            var key = name.StartsWith(AzureStoredHashPrefix, StringComparison.OrdinalIgnoreCase)
                ? StoredHashPrefix + name[AzureStoredHashPrefix.Length..]
                : name;
            result[key] = value;
        }
        return result;
    }

    /// <summary>The access tier for a request (Hot, Cool, Cold, Archive), or null for the account's default.</summary>
    internal string? AccessTier(string? storageClass, string target) => storageClass?.Trim().ToLowerInvariant() switch
    {
        null or "" => null,
        "hot" => "Hot",
        "cool" => "Cool",
        "cold" => "Cold",
        "archive" => "Archive",
        _ => throw new StorageException(StorageErrorKind.InvalidArgument,
            $"'{storageClass}' is not an Azure access tier (Hot, Cool, Cold or Archive) for '{target}'.", target, Name),
    };
}
