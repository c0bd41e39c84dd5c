using System.Runtime.CompilerServices;
using System.Text.RegularExpressions;
using CloudStorage.Addressing;
using CloudStorage.Errors;
using CloudStorage.Model;
using CloudStorage.Providers.Azure.Transport;
using CloudStorage.Providers.Resilience;
using Polly;

namespace CloudStorage.Providers.Azure;

/// <summary>
/// One Azure Blob Storage container (<c>az://account/container/blob</c>) over the Blob REST API
/// (<see cref="AzureBlobRestClient"/>, on Azure.Core). Listings are List Blobs pages fetched as the caller enumerates;
/// writes stream through <see cref="AzureBlockUploader"/> and always store the content's MD5 as the blob's Content-MD5,
/// which stat and listings report as its native MD5; copies stay on the service; presigned URLs are SAS.
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
        Client = new AzureBlobRestClient(options.EffectiveEndpoint, options.Account, options.Credential!, options.Transport);
        Name = options.Name ?? $"az://{options.Account}/{options.Container}";
        AddressRoot = $"az://{options.Account}/{options.Container}/";
        BlockPipeline = options.PartRetry is { } retry ? StorageResilience.CreatePipeline(retry) : ResiliencePipeline.Empty;
        _presigner = new AzurePresigner(this);
        var canPresign = options.Credential is AzureSharedKeyCredential or AzureTokenCredential;
        Capabilities = new ProviderCapabilities
        {
            ListedHashes = new HashSet<HashAlgorithmKind> { HashAlgorithmKind.MD5 },
            Hashes = new HashSet<HashAlgorithmKind> { HashAlgorithmKind.MD5 },
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
            ServerSideCopy = true,
            Presign = canPresign,
            MaxPresignExpiry = canPresign ? options.MaxPresignExpiry : TimeSpan.Zero,
        };
    }

    /// <summary>The options in force (the credential shows only its kind when printed).</summary>
    public AzureBlobProviderOptions Options { get; }

    /// <summary>The REST transport.</summary>
    internal AzureBlobRestClient Client { get; }

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

    /// <summary>What the last write through this provider did (diagnostics; null before the first).</summary>
    public AzureUploadStatistics? LastUpload { get; private set; }

    /// <summary>How the last server-side copy into this provider went: <c>CopyBlobFromUrl</c> or <c>CopyBlob</c> (diagnostics).</summary>
    public string? LastCopyMethod { get; internal set; }

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
        string? marker = null;
        string? lastPrefix = null;
        do
        {
            cancellationToken.ThrowIfCancellationRequested();
            var currentMarker = marker;
            var page = await AzureErrorMapper.RunAsync(
                () => Client.ListBlobsAsync(Container, request.Prefix, request.Delimiter, currentMarker, pageSize, cancellationToken),
                AddressRoot + request.Prefix, Name, cancellationToken).ConfigureAwait(false);
            // The service sends blobs and prefixes in UTF-16 order; sorting the page (stable) guards that order within it.
            foreach (var entry in page.Entries.OrderBy(e => e.Name, StringComparer.Ordinal))
            {
                // A prefix can close one page and open the next: each prefix once.
                if (entry.IsPrefix && entry.Name == lastPrefix) continue;
                if (entry.IsPrefix) lastPrefix = entry.Name;
                yield return entry.IsPrefix
                    ? new StorageItem { ProviderName = Name, Key = entry.Name, Uri = AddressRoot + entry.Name, IsPrefix = true }
                    : ToItem(entry.Name, entry.Properties!);
            }
            marker = page.NextMarker;
        }
        while (marker is not null);
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

    internal Task<AzureBlobProperties?> GetPropertiesAsync(string key, CancellationToken ct) =>
        AzureErrorMapper.RunAsync(() => Client.GetPropertiesAsync(Container, key, ct), AddressRoot + key, Name, ct);

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
        var download = await AzureErrorMapper.RunAsync(async () =>
        {
            try
            {
                return await Client.DownloadAsync(Container, key, range?.ToHttpRange(), cancellationToken).ConfigureAwait(false);
            }
            catch (AzureServiceException e) when (e.Status == 416)
            {
                // The blob exists and the range starts at or beyond its end.
                return null;
            }
        }, target, Name, cancellationToken).ConfigureAwait(false);
        if (download is null) return new MemoryStream([], writable: false);
        var length = range is { } r ? r.Resolve(download.Properties.ContentLength).Count : download.Properties.ContentLength;
        return new AzureReadStream(download, length, target, Name);
    }

    /// <inheritdoc />
    public async Task<StorageItem> WriteAsync(string key, Stream content, WriteOptions options, CancellationToken cancellationToken = default)
    {
        ValidateKey(key);
        LastUpload = await new AzureBlockUploader(this).UploadAsync(key, content, options, cancellationToken).ConfigureAwait(false);
        return await StatAfterWriteAsync(key).ConfigureAwait(false);
    }

    // The written blob as the service reports it. Done even when the caller cancels right now: the blob is stored.
    internal async Task<StorageItem> StatAfterWriteAsync(string key)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var properties = await GetPropertiesAsync(key, timeout.Token).ConfigureAwait(false)
            ?? throw new StorageException(StorageErrorKind.Conflict, $"'{AddressRoot + key}' vanished right after it was written.", AddressRoot + key, Name);
        return ToItem(key, properties);
    }

    /// <inheritdoc />
    public Task DeleteAsync(string key, CancellationToken cancellationToken = default)
    {
        ValidateKey(key);
        return AzureErrorMapper.RunAsync(() => Client.DeleteBlobAsync(Container, key, cancellationToken), AddressRoot + key, Name, cancellationToken);
    }

    // ---------------------------------------------------------------- optional abilities

    /// <inheritdoc />
    public bool CanCopyFrom(IStorageProvider source) => source is AzureBlobStorageProvider other && AzureServerSideCopy.CanReach(this, other);

    /// <inheritdoc />
    public Task<StorageItem> CopyFromAsync(IStorageProvider source, string sourceKey, string destinationKey, WriteOptions options, CancellationToken cancellationToken = default)
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

    /// <summary>Content type, MD5-free headers, metadata, tier and tags of a write, validated against Azure's rules.</summary>
    internal AzureBlobWriteHeaders WriteHeaders(WriteOptions options, string target) => new()
    {
        ContentType = string.IsNullOrWhiteSpace(options.ContentType) ? DefaultContentType : options.ContentType,
        ContentEncoding = NullIfEmpty(options.ContentEncoding),
        ContentDisposition = NullIfEmpty(options.ContentDisposition),
        ContentLanguage = NullIfEmpty(options.ContentLanguage),
        CacheControl = NullIfEmpty(options.CacheControl),
        Metadata = ToAzureMetadata(options.Metadata, target, options.ModifiedTime),
        AccessTier = AccessTier(options.StorageClass, target),
        Tags = options.Tags,
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
        if (modifiedTime is { } mtime) result[Transfer.StoredModifiedTime.RcloneKey] = Transfer.StoredModifiedTime.FormatRfc3339Nano(mtime);
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
