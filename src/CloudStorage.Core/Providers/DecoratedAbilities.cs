using CloudStorage.Core.Model;

namespace CloudStorage.Core.Providers;

/// <summary>An inner provider's abilities offered for a decorator's keys (rclone's feature wrapping).</summary>
internal static class DecoratedAbilities
{
    internal sealed class Copier(ProviderDecorator owner, IServerSideCopier inner) : IServerSideCopier
    {
        // Sources are unwrapped to the provider holding the bytes: that is what an inner copier can reach.
        public bool CanCopyFrom(IStorageProvider source) => inner.CanCopyFrom(ProviderDecorator.Innermost(source, "").Provider);

        public async Task<StorageItem> CopyFromAsync(IStorageProvider source, string sourceKey, string destinationKey, WriteOptions options, CancellationToken cancellationToken = default)
        {
            var (innerSource, innerSourceKey) = ProviderDecorator.Innermost(source, sourceKey);
            var innerKey = owner.ToInnerKey(destinationKey);
            return owner.FromInner(await owner.InvokeAsync("Copy", ct => inner.CopyFromAsync(innerSource, innerSourceKey, innerKey, options, ct), cancellationToken).ConfigureAwait(false));
        }
    }

    internal sealed class Presigner(ProviderDecorator owner, IPresigner inner) : IPresigner
    {
        public TimeSpan MaxExpiry => inner.MaxExpiry;

        public async Task<PresignedUrl> PresignAsync(string key, PresignRequest request, CancellationToken cancellationToken = default)
        {
            var innerKey = owner.ToInnerKey(key);
            var url = await owner.InvokeAsync("Presign", ct => inner.PresignAsync(innerKey, request, ct), cancellationToken).ConfigureAwait(false);
            return url with { Uri = owner.AddressRoot + key };
        }
    }

    internal sealed class HashSource(ProviderDecorator owner, IHashSource inner) : IHashSource
    {
        public IReadOnlySet<HashAlgorithmKind> Algorithms => inner.Algorithms;

        public Task<ContentHash?> GetHashAsync(string key, HashAlgorithmKind algorithm, CancellationToken cancellationToken = default)
        {
            var innerKey = owner.ToInnerKey(key);
            return owner.InvokeAsync("Hash", ct => inner.GetHashAsync(innerKey, algorithm, ct), cancellationToken);
        }
    }

    internal sealed class BatchDeleter(ProviderDecorator owner, IBatchDeleter inner) : IBatchDeleter
    {
        public int MaxBatchSize => inner.MaxBatchSize;

        /// <summary>Keys the decorator refuses (InvalidKey) get that error; the rest go to the inner deleter in one call.</summary>
        public async Task<IReadOnlyList<DeleteResult>> DeleteManyAsync(IReadOnlyList<string> keys, CancellationToken cancellationToken = default)
        {
            var results = new DeleteResult?[keys.Count];
            var sent = new List<int>(keys.Count);
            var innerKeys = new List<string>(keys.Count);
            for (var i = 0; i < keys.Count; i++)
            {
                try
                {
                    innerKeys.Add(owner.ToInnerKey(keys[i]));
                    sent.Add(i);
                }
                catch (Errors.StorageException e)
                {
                    results[i] = new DeleteResult(keys[i], e);
                }
            }
            if (innerKeys.Count > 0)
            {
                var answered = await owner.InvokeAsync("DeleteMany", ct => inner.DeleteManyAsync(innerKeys, ct), cancellationToken).ConfigureAwait(false);
                for (var j = 0; j < sent.Count && j < answered.Count; j++) results[sent[j]] = answered[j] with { Key = keys[sent[j]] };
            }
            return results.Select((r, i) => r ?? new DeleteResult(keys[i], new Errors.StorageException(Errors.StorageErrorKind.Unknown,
                $"Provider '{owner.Name}' reported nothing about '{owner.AddressRoot + keys[i]}'.", owner.AddressRoot + keys[i], owner.Name))).ToList();
        }
    }

    internal sealed class ExistenceProbe(ProviderDecorator owner, IExistenceProbe inner) : IExistenceProbe
    {
        public Task<bool> PrefixExistsAsync(string prefix, CancellationToken cancellationToken = default)
        {
            var innerPrefix = owner.ToInnerKey(prefix);
            return owner.InvokeAsync("Exists", ct => inner.PrefixExistsAsync(innerPrefix, ct), cancellationToken);
        }
    }
}
