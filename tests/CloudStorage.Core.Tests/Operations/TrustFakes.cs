using System.Runtime.CompilerServices;
using CloudStorage.Core.Model;
using CloudStorage.Core.Providers;
using CloudStorage.Core.Providers.Memory;
using CloudStorage.Core.Transfer;

namespace CloudStorage.Core.Tests.Operations;

/// <summary>
/// A store shaped like S3 over a memory store: it cannot set an object's time (LastModified is the upload time, whole
/// seconds) and keeps the time asked for in rclone's <c>mtime</c> metadata; its listing reports neither metadata nor a
/// hash, its stat reports metadata; no server-side copy. Counts stats (HEAD requests).
/// </summary>
internal sealed class UploadTimeStore(MemoryStorageProvider inner) : ProviderDecorator(inner)
{
    private int _stats;

    public MemoryStorageProvider Store => (MemoryStorageProvider)Inner;
    public int Stats => Volatile.Read(ref _stats);
    public override string Name => "s3like-" + Inner.Name;
    public override string AddressRoot => Inner.AddressRoot;
    protected override ProviderCapabilities Decorate(ProviderCapabilities inner) => base.Decorate(inner) with
    {
        CanSetModifiedTime = false, ListedHashes = new HashSet<HashAlgorithmKind>(), HashSource = null,
        ModifiedTimePrecision = TimeSpan.FromSeconds(1), Copier = null,
    };
    public override string ToInnerKey(string key) => key;
    public override string FromInnerKey(string innerKey) => innerKey;

    public override async IAsyncEnumerable<StorageItem> ListAsync(ListRequest request, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await foreach (var item in base.ListAsync(request, cancellationToken))
            yield return item with { Metadata = new Dictionary<string, string>(), Hashes = [], ContentType = null, LastModified = Seconds(item.LastModified) };
    }

    public override async Task<StorageItem?> StatAsync(string key, CancellationToken cancellationToken = default)
    {
        Interlocked.Increment(ref _stats);
        var item = await base.StatAsync(key, cancellationToken);
        return item is null ? null : item with { Hashes = [], LastModified = Seconds(item.LastModified) };
    }

    public override Task<StorageItem> WriteAsync(string key, Stream content, WriteOptions options, CancellationToken cancellationToken = default)
    {
        var metadata = new Dictionary<string, string>(options.Metadata ?? new Dictionary<string, string>(), StringComparer.OrdinalIgnoreCase);
        if (options.ModifiedTime is { } t) metadata[StoredModifiedTime.RcloneKey] = StoredModifiedTime.FormatUnixSeconds(t);
        return base.WriteAsync(key, content, options with { ModifiedTime = null, Metadata = metadata }, cancellationToken);
    }

    private static DateTimeOffset? Seconds(DateTimeOffset? t) => t is { } v ? new DateTimeOffset(v.Ticks - v.Ticks % TimeSpan.TicksPerSecond, TimeSpan.Zero) : null;
}

/// <summary>A memory store whose listing leaves out what S3's does: content type, headers, metadata (stat has them).</summary>
internal sealed class BareListingStore(MemoryStorageProvider inner) : ProviderDecorator(inner)
{
    public override string Name => "bare-" + Inner.Name;
    public override string AddressRoot => Inner.AddressRoot;
    protected override ProviderCapabilities Decorate(ProviderCapabilities inner) => base.Decorate(inner) with { Copier = null };
    public override string ToInnerKey(string key) => key;
    public override string FromInnerKey(string innerKey) => innerKey;

    public override async IAsyncEnumerable<StorageItem> ListAsync(ListRequest request, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await foreach (var item in base.ListAsync(request, cancellationToken))
            yield return item with
            {
                Metadata = new Dictionary<string, string>(), ContentType = null, ContentEncoding = null, ContentDisposition = null,
                ContentLanguage = null, CacheControl = null,
            };
    }
}

/// <summary>A memory store with Azure's metadata rules: names are identifiers, values ASCII.</summary>
internal sealed class IdentifierMetadataStore(MemoryStorageProvider inner) : ProviderDecorator(inner)
{
    public MemoryStorageProvider Store => (MemoryStorageProvider)Inner;
    public override string Name => "ident-" + Inner.Name;
    public override string AddressRoot => Inner.AddressRoot;
    protected override ProviderCapabilities Decorate(ProviderCapabilities inner) => base.Decorate(inner) with
    {
        MetadataNames = MetadataNameRule.Identifier, MetadataAsciiValuesOnly = true, Copier = null,
    };
    public override string ToInnerKey(string key) => key;
    public override string FromInnerKey(string innerKey) => innerKey;
}

/// <summary>A memory store whose listing swaps two neighbouring objects: out of key order.</summary>
internal sealed class UnsortedListingStore(MemoryStorageProvider inner) : ProviderDecorator(inner)
{
    public MemoryStorageProvider Store => (MemoryStorageProvider)Inner;
    public override string Name => "unsorted-" + Inner.Name;
    public override string AddressRoot => Inner.AddressRoot;
    public override string ToInnerKey(string key) => key;
    public override string FromInnerKey(string innerKey) => innerKey;

    public override async IAsyncEnumerable<StorageItem> ListAsync(ListRequest request, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var items = new List<StorageItem>();
        await foreach (var item in base.ListAsync(request, cancellationToken)) items.Add(item);
        if (items.Count >= 2) (items[0], items[1]) = (items[1], items[0]);
        foreach (var item in items) yield return item;
    }
}
