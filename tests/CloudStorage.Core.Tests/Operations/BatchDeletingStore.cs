using System.Collections.Concurrent;
using CloudStorage.Core.Errors;
using CloudStorage.Core.Model;
using CloudStorage.Core.Providers;
using CloudStorage.Core.Providers.Memory;

namespace CloudStorage.Core.Tests.Operations;

/// <summary>
/// A memory store that deletes in batches (as S3's DeleteObjects does), records each batch and each single delete,
/// and refuses the keys it is told to, per key.
/// </summary>
internal sealed class BatchDeletingStore(MemoryStorageProvider inner, int maxBatchSize = 1000) : ProviderDecorator(inner), IBatchDeleter
{
    private int _singleDeletes;

    public override string Name => Inner.Name;
    public override string AddressRoot => Inner.AddressRoot;
    protected override ProviderCapabilities Decorate(ProviderCapabilities inner) => base.Decorate(inner) with { BatchDeleter = Declared ? this : null };
    public override string ToInnerKey(string key) => key;
    public override string FromInnerKey(string innerKey) => innerKey;

    /// <summary>Whether the capability is declared (a decorator may withhold it).</summary>
    public bool Declared { get; init; } = true;

    public MemoryStorageProvider Store => (MemoryStorageProvider)Inner;
    public int MaxBatchSize => maxBatchSize;
    public ConcurrentQueue<IReadOnlyList<string>> Batches { get; } = new();
    public int SingleDeletes => _singleDeletes;
    public ConcurrentDictionary<string, bool> Refused { get; } = new();

    public override Task DeleteAsync(string key, CancellationToken cancellationToken = default)
    {
        Interlocked.Increment(ref _singleDeletes);
        return Refused.ContainsKey(key) ? Task.FromException(Refusal(key)) : base.DeleteAsync(key, cancellationToken);
    }

    public async Task<IReadOnlyList<DeleteResult>> DeleteManyAsync(IReadOnlyList<string> keys, CancellationToken cancellationToken = default)
    {
        Assert.InRange(keys.Count, 1, MaxBatchSize);
        Batches.Enqueue(keys.ToArray());
        var results = new List<DeleteResult>();
        foreach (var key in keys)
        {
            if (Refused.ContainsKey(key)) { results.Add(new DeleteResult(key, Refusal(key))); continue; }
            await Inner.DeleteAsync(key, cancellationToken);
            results.Add(new DeleteResult(key));
        }
        return results;
    }

    private StorageException Refusal(string key) =>
        new(StorageErrorKind.PermissionDenied, $"Access to '{AddressRoot + key}' was denied (test).", AddressRoot + key, Name);
}
