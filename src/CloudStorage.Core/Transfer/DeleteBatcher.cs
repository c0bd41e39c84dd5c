using CloudStorage.Core.Errors;
using CloudStorage.Core.Model;
using CloudStorage.Core.Providers;

namespace CloudStorage.Core.Transfer;

/// <summary>
/// Deletes a stream of objects of one provider and reports each key's outcome once: in batches through the provider's
/// declared <see cref="ProviderCapabilities.BatchDeleter"/>, otherwise one
/// <see cref="IStorageProvider.DeleteAsync"/> per key. Up to <c>parallelism</c> requests run while the caller keeps
/// adding keys, so memory holds at most that many batches plus the one being filled. One producer adds keys;
/// <c>onResult</c> is called from worker threads, never twice at the same time.
/// </summary>
/// <typeparam name="TState">What the caller wants back with each key's outcome (the listed item, the planned action).</typeparam>
internal sealed class DeleteBatcher<TState> : IDisposable
{
    private readonly IStorageProvider _provider;
    private readonly IBatchDeleter? _deleter;
    private readonly Action<string, TState, Exception?> _onResult;
    private readonly BoundedWorkQueue _queue;
    private readonly CancellationToken _ct;
    private readonly object _gate = new();
    private List<(string Key, TState State)> _pending = [];

    /// <summary>
    /// A batcher for <paramref name="provider"/>'s keys running up to <paramref name="parallelism"/> requests at once;
    /// <paramref name="onResult"/> hears each key with its state and the error, or null when the object is gone.
    /// </summary>
    public DeleteBatcher(IStorageProvider provider, int parallelism, Action<string, TState, Exception?> onResult, CancellationToken ct = default)
    {
        _provider = provider;
        _onResult = onResult;
        _ct = ct;
        _queue = new BoundedWorkQueue(parallelism, ct);
        if (provider.Capabilities.BatchDeleter is { } deleter)
        {
            _deleter = deleter;
            BatchSize = Math.Max(1, deleter.MaxBatchSize);
        }
    }

    /// <summary>Keys per request: the provider's batch size, or 1 when it deletes one object per request.</summary>
    public int BatchSize { get; } = 1;

    /// <summary>Queues <paramref name="key"/> (a key of the provider given to the constructor) for deletion.</summary>
    public async Task AddAsync(string key, TState state)
    {
        _pending.Add((key, state));
        if (_pending.Count >= BatchSize) await FlushAsync().ConfigureAwait(false);
    }

    /// <summary>Deletes what is still queued and waits until every key added has been reported.</summary>
    public async Task CompleteAsync()
    {
        if (_pending.Count > 0) await FlushAsync().ConfigureAwait(false);
        await _queue.DrainAsync().ConfigureAwait(false);
    }

    private Task FlushAsync()
    {
        var batch = _pending;
        _pending = [];
        // A single key takes the plain delete: the same one request, and the path every provider has.
        return _queue.EnqueueAsync(() => batch.Count == 1 ? DeleteOneAsync(batch[0].Key, batch[0].State) : DeleteBatchAsync(batch));
    }

    private async Task DeleteOneAsync(string key, TState state)
    {
        try
        {
            await _provider.DeleteAsync(key, _ct).ConfigureAwait(false);
            Report(key, state, null);
        }
        catch (Exception ex) when (ex is StorageException or IOException or UnauthorizedAccessException)
        {
            Report(key, state, ex);
        }
    }

    private async Task DeleteBatchAsync(List<(string Key, TState State)> batch)
    {
        var keys = batch.Select(entry => entry.Key).ToList();
        var results = await _deleter!.DeleteManyAsync(keys, _ct).ConfigureAwait(false);
        if (results.Count != keys.Count)
            throw new InvalidOperationException($"Provider '{_provider.Name}' answered {results.Count} results for {keys.Count} keys.");
        for (var i = 0; i < batch.Count; i++) Report(batch[i].Key, batch[i].State, results[i].Error);
    }

    private void Report(string key, TState state, Exception? error)
    {
        lock (_gate) _onResult(key, state, error);
    }

    /// <inheritdoc />
    public void Dispose() => _queue.Dispose();
}
