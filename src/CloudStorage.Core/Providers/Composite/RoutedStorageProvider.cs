using System.Runtime.CompilerServices;
using System.Text.RegularExpressions;
using CloudStorage.Core.Addressing;
using CloudStorage.Core.Errors;
using CloudStorage.Core.Model;

namespace CloudStorage.Core.Providers.Composite;

/// <summary>
/// One address over several stores, each key living in the store of the first route whose pattern matches it
/// (<c>*.jpg</c> → gs, <c>tmp/*</c> → local, <c>*</c> → s3). Reads, writes and deletes go to the key's store; a listing
/// merges every store's share of the prefix in key order (<see cref="ListingMerge"/>), showing from each store only the
/// keys routed to it. Abilities are those every store has, so a capability declared here holds for every key.
/// </summary>
internal sealed class RoutedStorageProvider : IStorageProvider, ICompositeProvider
{
    private readonly IReadOnlyList<(Regex Pattern, int Store)> _routes;
    private readonly IReadOnlyList<IStorageProvider> _stores;
    private ProviderCapabilities? _capabilities;

    public RoutedStorageProvider(string name, IReadOnlyList<(string Pattern, IStorageProvider Provider)> routes)
    {
        Name = name;
        AddressRoot = name + ":";
        // Routes to the same address share one store (and one listing).
        var stores = new List<IStorageProvider>();
        var list = new List<(Regex, int)>();
        var members = new List<CompositeMember>();
        foreach (var (pattern, provider) in routes)
        {
            var index = stores.FindIndex(s => s.AddressRoot == provider.AddressRoot);
            if (index < 0)
            {
                stores.Add(provider);
                index = stores.Count - 1;
            }
            list.Add((Wildcard.ToRegex(pattern), index));
            members.Add(new CompositeMember("Route " + pattern, stores[index]));
        }
        _routes = list;
        _stores = stores;
        Members = members;
    }

    public string Name { get; }

    public string AddressRoot { get; }

    public IReadOnlyList<CompositeMember> Members { get; }

    public ProviderCapabilities Capabilities => _capabilities ??= Derive();

    /// <summary>The store that holds <paramref name="key"/>; InvalidKey when no route matches it.</summary>
    internal IStorageProvider StoreFor(string key) => _stores[StoreIndex(key)];

    private int StoreIndex(string key)
    {
        foreach (var (pattern, store) in _routes)
            if (pattern.IsMatch(key)) return store;
        throw StorageException.InvalidKey(key, $"no route of '{Name}' matches it (add a '*' route for the rest).", Name);
    }

    private bool RoutedTo(string key, int store)
    {
        foreach (var (pattern, s) in _routes)
            if (pattern.IsMatch(key)) return s == store;
        return false;
    }

    public async IAsyncEnumerable<StorageItem> ListAsync(ListRequest request, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var listings = _stores.Select((store, i) => (new StorageLocation(store, request.Prefix), Share(store, i, request, cancellationToken))).ToList();
        await foreach (var item in ListingMerge.MergeSortedAsync(listings, cancellationToken).ConfigureAwait(false))
            yield return Readdress(item);
    }

    // One store's share of a listing: the keys routed to it (prefix entries pass: they may hold keys of any route).
    private async IAsyncEnumerable<StorageItem> Share(IStorageProvider store, int index, ListRequest request, [EnumeratorCancellation] CancellationToken ct)
    {
        await foreach (var item in store.ListAsync(request, ct).ConfigureAwait(false))
            if (item.IsPrefix || RoutedTo(item.Key, index)) yield return item;
    }

    public async Task<StorageItem?> StatAsync(string key, CancellationToken cancellationToken = default) =>
        await StoreFor(key).StatAsync(key, cancellationToken).ConfigureAwait(false) is { } item ? Readdress(item) : null;

    public Task<Stream> OpenReadAsync(string key, ByteRange? range = null, CancellationToken cancellationToken = default) =>
        StoreFor(key).OpenReadAsync(key, range, cancellationToken);

    public async Task<StorageItem> WriteAsync(string key, Stream content, WriteOptions options, CancellationToken cancellationToken = default) =>
        Readdress(await StoreFor(key).WriteAsync(key, content, options, cancellationToken).ConfigureAwait(false));

    public Task DeleteAsync(string key, CancellationToken cancellationToken = default) =>
        StoreFor(key).DeleteAsync(key, cancellationToken);

    private StorageItem Readdress(StorageItem item) => CompositeItems.Present(item, this);

    // What every store has: an ability declared here must hold whichever store a key is routed to.
    private ProviderCapabilities Derive()
    {
        var all = _stores.Select(s => s.Capabilities).ToList();
        static HashSet<HashAlgorithmKind> Common(IEnumerable<IReadOnlySet<HashAlgorithmKind>> sets)
        {
            HashSet<HashAlgorithmKind>? common = null;
            foreach (var set in sets)
            {
                if (common is null) common = new HashSet<HashAlgorithmKind>(set);
                else common.IntersectWith(set);
            }
            return common ?? [];
        }
        return new ProviderCapabilities
        {
            ListedHashes = Common(all.Select(c => c.ListedHashes)),
            UserMetadata = all.All(c => c.UserMetadata),
            ContentType = all.All(c => c.ContentType),
            ContentHeaders = all.All(c => c.ContentHeaders),
            MetadataNames = all.Any(c => c.MetadataNames == MetadataNameRule.Identifier) ? MetadataNameRule.Identifier : MetadataNameRule.Any,
            MetadataAsciiValuesOnly = all.Any(c => c.MetadataAsciiValuesOnly),
            Tags = all.All(c => c.Tags),
            StorageClass = all.All(c => c.StorageClass),
            CanSetModifiedTime = all.All(c => c.CanSetModifiedTime),
            ModifiedTimePrecision = all.Max(c => c.ModifiedTimePrecision),
            MaxListPageSize = all.Min(c => c.MaxListPageSize),
            Versions = all.All(c => c.Versions),
            ParallelRangeReads = all.All(c => c.ParallelRangeReads),
            Copier = all.All(c => c.Copier is not null) ? new RoutedCopier(this) : null,
            Presigner = all.All(c => c.Presigner is not null) ? new RoutedPresigner(this, all.Min(c => c.Presigner!.MaxExpiry)) : null,
            HashSource = all.All(c => c.HashSource is not null) ? new RoutedHashSource(this, Common(all.Select(c => c.Hashes))) : null,
            ExistenceProbe = null,
            BatchDeleter = MemberDeletes.AnyBatches(_stores) ? new RoutedBatchDeleter(this) : null,
        };
    }

    /// <summary>Deletes each store's share of the keys through that store (in its batches where it has them), in parallel; results in the keys' order.</summary>
    private sealed class RoutedBatchDeleter(RoutedStorageProvider owner) : IBatchDeleter
    {
        public int MaxBatchSize { get; } = MemberDeletes.BatchSize(owner._stores);

        public async Task<IReadOnlyList<DeleteResult>> DeleteManyAsync(IReadOnlyList<string> keys, CancellationToken cancellationToken = default)
        {
            var answer = new DeleteResult[keys.Count];
            var shares = new List<int>?[owner._stores.Count];
            for (var k = 0; k < keys.Count; k++)
            {
                try
                {
                    (shares[owner.StoreIndex(keys[k])] ??= []).Add(k);
                }
                catch (StorageException e)
                {
                    answer[k] = new DeleteResult(keys[k], e); // no route matches it
                }
            }
            await Task.WhenAll(shares.Select(async (share, store) =>
            {
                if (share is null) return;
                var results = await MemberDeletes.DeleteManyAsync(owner._stores[store], share.Select(k => keys[k]).ToList(), cancellationToken).ConfigureAwait(false);
                for (var j = 0; j < share.Count; j++) answer[share[j]] = results[j];
            })).ConfigureAwait(false);
            return answer;
        }
    }

    private sealed class RoutedCopier(RoutedStorageProvider owner) : IServerSideCopier
    {
        // Server-side only when the store of any key could do it; within this provider, from the store of any key.
        public bool CanCopyFrom(IStorageProvider source) => ReferenceEquals(source, owner)
            ? owner._stores.All(to => owner._stores.All(from => to.Capabilities.Copier!.CanCopyFrom(ProviderDecorator.Innermost(from, "").Provider)))
            : owner._stores.All(s => s.Capabilities.Copier!.CanCopyFrom(source));

        public async Task<StorageItem> CopyFromAsync(IStorageProvider source, string sourceKey, string destinationKey, WriteOptions options, CancellationToken cancellationToken = default)
        {
            if (ReferenceEquals(source, owner)) (source, sourceKey) = ProviderDecorator.Innermost(owner.StoreFor(sourceKey), sourceKey);
            return owner.Readdress(await owner.StoreFor(destinationKey).Capabilities.Copier!.CopyFromAsync(source, sourceKey, destinationKey, options, cancellationToken).ConfigureAwait(false));
        }
    }

    private sealed class RoutedPresigner(RoutedStorageProvider owner, TimeSpan maxExpiry) : IPresigner
    {
        public TimeSpan MaxExpiry => maxExpiry;

        public async Task<PresignedUrl> PresignAsync(string key, PresignRequest request, CancellationToken cancellationToken = default)
        {
            if (request.ExpiresIn > maxExpiry)
                throw new StorageException(StorageErrorKind.InvalidArgument, $"'{owner.Name}' presigns URLs for at most {maxExpiry}.", owner.AddressRoot + key, owner.Name);
            return await owner.StoreFor(key).Capabilities.Presigner!.PresignAsync(key, request, cancellationToken).ConfigureAwait(false) with { Uri = owner.AddressRoot + key };
        }
    }

    private sealed class RoutedHashSource(RoutedStorageProvider owner, IReadOnlySet<HashAlgorithmKind> algorithms) : IHashSource
    {
        public IReadOnlySet<HashAlgorithmKind> Algorithms => algorithms;

        public Task<ContentHash?> GetHashAsync(string key, HashAlgorithmKind algorithm, CancellationToken cancellationToken = default) =>
            owner.StoreFor(key).Capabilities.HashSource!.GetHashAsync(key, algorithm, cancellationToken);
    }
}
