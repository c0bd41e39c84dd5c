using System.Runtime.CompilerServices;
using CloudStorage.Core.Addressing;
using CloudStorage.Core.Errors;
using CloudStorage.Core.Hashing;
using CloudStorage.Core.Model;

namespace CloudStorage.Core.Providers.Memory;

/// <summary>
/// An in-process object store (<c>mem://store/key</c>), safe under concurrent use. Objects are immutable byte
/// arrays swapped in under a lock, so a reader holding a stream keeps the version it opened. The reference
/// implementation of the contract: every capability it declares is real.
/// </summary>
internal sealed class MemoryStorageProvider : IStorageProvider, IServerSideCopier, IHashSource, IExistenceProbe
{
    // MD5 first: the ETag is its hex.
    private static readonly HashAlgorithmKind[] HashOrder = [HashAlgorithmKind.MD5, HashAlgorithmKind.CRC32C, HashAlgorithmKind.SHA256];
    private static readonly IReadOnlySet<HashAlgorithmKind> AllHashes = new HashSet<HashAlgorithmKind>(HashOrder);

    private readonly SortedList<string, StoredObject> _objects = new(KeyComparer.Instance);
    private readonly object _lock = new();
    private readonly TimeProvider _time;
    private volatile bool _written;

    /// <summary>A store named <paramref name="storeName"/> (the part after <c>mem://</c>).</summary>
    public MemoryStorageProvider(string storeName, TimeProvider? timeProvider = null)
    {
        if (string.IsNullOrEmpty(storeName) || storeName.Contains('/'))
            throw new StorageException(StorageErrorKind.InvalidArgument, $"'{storeName}' is not a valid memory store name.", storeName);
        StoreName = storeName;
        _time = timeProvider ?? TimeProvider.System;
        Capabilities = new()
        {
            ListedHashes = AllHashes,
            UserMetadata = true,
            ContentType = true,
            ContentHeaders = true,
            Tags = true,
            CanSetModifiedTime = true,
            ModifiedTimePrecision = TimeSpan.FromTicks(1),
            MaxListPageSize = 1000,
            Copier = this,
            HashSource = this,
            ExistenceProbe = this,
        };
    }

    /// <summary>The store's name.</summary>
    public string StoreName { get; }

    /// <inheritdoc />
    public string Name => "mem://" + StoreName;

    /// <inheritdoc />
    public string AddressRoot => "mem://" + StoreName + "/";

    /// <inheritdoc />
    public ProviderCapabilities Capabilities { get; }

    IReadOnlySet<HashAlgorithmKind> IHashSource.Algorithms => AllHashes;

    /// <summary>Number of stored objects (for tests and diagnostics).</summary>
    public int Count { get { lock (_lock) return _objects.Count; } }

    /// <inheritdoc />
    public async IAsyncEnumerable<StorageItem> ListAsync(ListRequest request, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        KeyValidator.ValidatePrefix(request.Prefix, Name);
        var pageSize = Math.Clamp(request.PageSize ?? Capabilities.MaxListPageSize, 1, Capabilities.MaxListPageSize);
        string? after = null;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var page = ReadPage(request.Prefix, request.Delimiter, after, pageSize, out after);
            foreach (var item in page) yield return item;
            if (after is null) yield break;
            await Task.Yield(); // a page boundary: let the caller's cancellation and other writers in.
        }
    }

    // One "request": up to pageSize entries after the marker; a delimiter roll-up counts as one entry and moves
    // the marker past every key under it, as S3's ListObjectsV2 does. The marker is the last key consumed (not
    // the last entry returned): a roll-up's own text would resume inside its keys and roll them up again.
    private List<StorageItem> ReadPage(string prefix, string? delimiter, string? after, int pageSize, out string? nextMarker)
    {
        var page = new List<StorageItem>(Math.Min(pageSize, 64));
        nextMarker = null;
        string? lastConsumed = null;
        lock (_lock)
        {
            var keys = _objects.Keys;
            var i = after is null ? LowerBound(keys, prefix, inclusive: true) : LowerBound(keys, after, inclusive: false);
            while (i < keys.Count)
            {
                var key = keys[i];
                if (!key.StartsWith(prefix, StringComparison.Ordinal)) break;
                if (page.Count == pageSize) { nextMarker = lastConsumed; return page; }
                var cut = delimiter is null ? -1 : key.IndexOf(delimiter, prefix.Length, StringComparison.Ordinal);
                if (cut >= 0)
                {
                    var common = key[..(cut + delimiter!.Length)];
                    page.Add(new StorageItem { ProviderName = Name, Key = common, Uri = AddressRoot + common, IsPrefix = true });
                    i = LowerBound(keys, common + char.MaxValue, inclusive: false);
                    while (i < keys.Count && keys[i].StartsWith(common, StringComparison.Ordinal)) i++;
                    lastConsumed = keys[i - 1];
                    continue;
                }
                page.Add(ToItem(key, _objects.Values[i]));
                lastConsumed = key;
                i++;
            }
        }
        return page;
    }

    // First index whose key is >= (inclusive) or > (exclusive) the probe.
    private static int LowerBound(IList<string> keys, string probe, bool inclusive)
    {
        int lo = 0, hi = keys.Count;
        while (lo < hi)
        {
            var mid = (lo + hi) >>> 1;
            var c = KeyComparer.Instance.Compare(keys[mid], probe);
            if (c < 0 || (!inclusive && c == 0)) lo = mid + 1; else hi = mid;
        }
        return lo;
    }

    /// <inheritdoc />
    public Task<StorageItem?> StatAsync(string key, CancellationToken cancellationToken = default)
    {
        KeyValidator.ValidateObjectKey(key, Name);
        lock (_lock)
            return Task.FromResult(_objects.TryGetValue(key, out var o) ? ToItem(key, o) : null);
    }

    /// <inheritdoc />
    public Task<Stream> OpenReadAsync(string key, ByteRange? range = null, CancellationToken cancellationToken = default)
    {
        KeyValidator.ValidateObjectKey(key, Name);
        StoredObject o;
        lock (_lock)
            if (!_objects.TryGetValue(key, out o!)) throw StorageException.NotFound(AddressRoot + key, Name);
        var (start, count) = (range ?? new ByteRange(0)).Resolve(o.Data.LongLength);
        return Task.FromResult<Stream>(new VersionedReadStream(o.Data, (int)start, (int)count, "\"" + o.Hashes[0].Hex + "\""));
    }

    // The bytes of one stored object, naming it by its ETag (as the clouds' answers do).
    private sealed class VersionedReadStream(byte[] data, int start, int count, string version)
        : MemoryStream(data, start, count, writable: false), IReadVersion
    {
        public string? Version => version;
    }

    /// <inheritdoc />
    public async Task<StorageItem> WriteAsync(string key, Stream content, WriteOptions options, CancellationToken cancellationToken = default)
    {
        KeyValidator.ValidateObjectKey(key, Name);
        var buffer = options.Length is { } len and <= int.MaxValue ? new MemoryStream((int)len) : new MemoryStream();
        await content.CopyToAsync(buffer, cancellationToken).ConfigureAwait(false);
        var data = buffer.Length == buffer.Capacity ? buffer.GetBuffer() : buffer.ToArray();
        if (options.Length is { } expected && expected != data.LongLength)
            throw new StorageException(StorageErrorKind.IntegrityFailure,
                $"Expected {expected} bytes for '{AddressRoot + key}' but the stream had {data.LongLength}; nothing was stored.", AddressRoot + key, Name);
        var hashes = HashOrder.Select(a => ContentHash.Compute(a, data)).ToArray();
        HashVerification.Verify(options.ExpectedHashes, hashes, AddressRoot + key, Name);
        var stored = new StoredObject(data, hashes, options.ContentType ?? "application/octet-stream",
            Copy(options.Metadata), Copy(options.Tags), options.ModifiedTime ?? _time.GetUtcNow())
        {
            ContentEncoding = options.ContentEncoding, ContentDisposition = options.ContentDisposition,
            ContentLanguage = options.ContentLanguage, CacheControl = options.CacheControl,
        };
        cancellationToken.ThrowIfCancellationRequested();
        lock (_lock) _objects[key] = stored;
        _written = true;
        return ToItem(key, stored);
    }

    /// <inheritdoc />
    public Task DeleteAsync(string key, CancellationToken cancellationToken = default)
    {
        KeyValidator.ValidateObjectKey(key, Name);
        lock (_lock) _objects.Remove(key);
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public bool CanCopyFrom(IStorageProvider source) => source is MemoryStorageProvider;

    /// <inheritdoc />
    public Task<StorageItem> CopyFromAsync(IStorageProvider source, string sourceKey, string destinationKey, WriteOptions options, CancellationToken cancellationToken = default)
    {
        if (source is not MemoryStorageProvider src)
            throw new StorageException(StorageErrorKind.Unsupported, $"'{Name}' cannot copy server-side from '{source.Name}'.", source.Name, Name);
        KeyValidator.ValidateObjectKey(sourceKey, src.Name);
        KeyValidator.ValidateObjectKey(destinationKey, Name);
        StoredObject o;
        lock (src._lock)
            if (!src._objects.TryGetValue(sourceKey, out o!)) throw StorageException.NotFound(src.AddressRoot + sourceKey, src.Name);
        var copy = o with
        {
            ContentType = options.ContentType ?? o.ContentType,
            ContentEncoding = options.ContentEncoding ?? o.ContentEncoding,
            ContentDisposition = options.ContentDisposition ?? o.ContentDisposition,
            ContentLanguage = options.ContentLanguage ?? o.ContentLanguage,
            CacheControl = options.CacheControl ?? o.CacheControl,
            Metadata = options.Metadata is null ? o.Metadata : Copy(options.Metadata),
            Tags = options.Tags is null ? o.Tags : Copy(options.Tags),
            LastModified = options.ModifiedTime ?? _time.GetUtcNow(),
        };
        lock (_lock) _objects[destinationKey] = copy;
        _written = true;
        return Task.FromResult(ToItem(destinationKey, copy));
    }

    /// <inheritdoc />
    public Task<ContentHash?> GetHashAsync(string key, HashAlgorithmKind algorithm, CancellationToken cancellationToken = default)
    {
        KeyValidator.ValidateObjectKey(key, Name);
        lock (_lock)
        {
            if (!_objects.TryGetValue(key, out var o)) throw StorageException.NotFound(AddressRoot + key, Name);
            return Task.FromResult(o.Hashes.FirstOrDefault(h => h.Algorithm == algorithm));
        }
    }

    /// <summary>
    /// A memory store exists once something was written to it: addressing <c>mem://name/</c> creates the provider, so a
    /// mistyped store name would otherwise read as an empty store. Prefixes inside a store are not folders: any exists.
    /// </summary>
    public Task<bool> PrefixExistsAsync(string prefix, CancellationToken cancellationToken = default) => Task.FromResult(_written || Count > 0);

    /// <summary>Tags stored with an object (null when missing); memory-only diagnostics for tests.</summary>
    public IReadOnlyDictionary<string, string>? GetTags(string key)
    {
        lock (_lock) return _objects.TryGetValue(key, out var o) ? o.Tags : null;
    }

    private StorageItem ToItem(string key, StoredObject o) => new()
    {
        ProviderName = Name,
        Key = key,
        Uri = AddressRoot + key,
        Size = o.Data.LongLength,
        LastModified = o.LastModified,
        ETag = "\"" + o.Hashes[0].Hex + "\"",
        ContentType = o.ContentType,
        ContentEncoding = o.ContentEncoding,
        ContentDisposition = o.ContentDisposition,
        ContentLanguage = o.ContentLanguage,
        CacheControl = o.CacheControl,
        Hashes = o.Hashes,
        Metadata = o.Metadata,
    };

    private static Dictionary<string, string> Copy(IReadOnlyDictionary<string, string>? source) =>
        source is null ? new(StringComparer.OrdinalIgnoreCase) : new(source, StringComparer.OrdinalIgnoreCase);

    private sealed record StoredObject(byte[] Data, ContentHash[] Hashes, string ContentType,
        IReadOnlyDictionary<string, string> Metadata, IReadOnlyDictionary<string, string> Tags, DateTimeOffset LastModified)
    {
        public string? ContentEncoding { get; init; }
        public string? ContentDisposition { get; init; }
        public string? ContentLanguage { get; init; }
        public string? CacheControl { get; init; }
    }
}
