using CloudStorage.Core.Errors;
using CloudStorage.Core.Model;

namespace CloudStorage.Core.Providers.Composite;

/// <summary>
/// Deletes many keys of one member of a composite provider: through its declared
/// <see cref="ProviderCapabilities.BatchDeleter"/> in batches of its size, otherwise one delete per key, a few at a
/// time. Like <see cref="IBatchDeleter.DeleteManyAsync"/>, one result per key in the given order, failures per key,
/// only cancellation thrown.
/// </summary>
internal static class MemberDeletes
{
    /// <summary>Single deletes in flight at once for a member without batch deletes.</summary>
    internal const int SingleDeleteParallelism = 8;

    /// <summary>The batch size a composite declares: the smallest of its members' that delete in batches.</summary>
    public static int BatchSize(IEnumerable<IStorageProvider> members) =>
        members.Select(m => m.Capabilities.BatchDeleter?.MaxBatchSize).OfType<int>().Where(n => n > 0).DefaultIfEmpty(1000).Min();

    /// <summary>True when some member deletes in batches (else a composite has nothing to gain from declaring it).</summary>
    public static bool AnyBatches(IEnumerable<IStorageProvider> members) => members.Any(m => m.Capabilities.BatchDeleter is not null);

    public static async Task<DeleteResult[]> DeleteManyAsync(IStorageProvider member, IReadOnlyList<string> keys, CancellationToken ct)
    {
        var results = new DeleteResult[keys.Count];
        if (member.Capabilities.BatchDeleter is { } deleter)
        {
            var size = Math.Max(1, deleter.MaxBatchSize);
            for (var start = 0; start < keys.Count; start += size)
            {
                var chunk = keys.Skip(start).Take(size).ToList();
                var answered = await deleter.DeleteManyAsync(chunk, ct).ConfigureAwait(false);
                if (answered.Count != chunk.Count)
                    throw new InvalidOperationException($"Provider '{member.Name}' answered {answered.Count} results for {chunk.Count} keys.");
                for (var j = 0; j < chunk.Count; j++) results[start + j] = new DeleteResult(keys[start + j], answered[j].Error);
            }
            return results;
        }
        await Parallel.ForEachAsync(Enumerable.Range(0, keys.Count), new ParallelOptions { MaxDegreeOfParallelism = SingleDeleteParallelism, CancellationToken = ct },
            async (i, c) =>
            {
                try
                {
                    await member.DeleteAsync(keys[i], c).ConfigureAwait(false);
                    results[i] = new DeleteResult(keys[i]);
                }
                catch (StorageException e)
                {
                    results[i] = new DeleteResult(keys[i], e);
                }
            }).ConfigureAwait(false);
        return results;
    }
}
