namespace CloudStorage.Core.Transfer;

/// <summary>
/// Runs work items with at most <c>parallelism</c> in flight. <see cref="EnqueueAsync"/> waits for a free slot, so a
/// producer walking a huge listing never holds more than that many items: memory stays flat. Work items handle their
/// own failures; an exception escaping one is rethrown by <see cref="DrainAsync"/>.
/// </summary>
internal sealed class BoundedWorkQueue : IDisposable
{
    private readonly SemaphoreSlim _slots;
    private readonly List<Task> _inFlight = new();
    private readonly CancellationToken _ct;

    /// <summary>A queue running up to <paramref name="parallelism"/> items at once.</summary>
    public BoundedWorkQueue(int parallelism, CancellationToken ct = default)
    {
        if (parallelism < 1) throw new ArgumentOutOfRangeException(nameof(parallelism), "Parallelism must be at least 1.");
        _slots = new SemaphoreSlim(parallelism);
        _ct = ct;
    }

    /// <summary>Starts <paramref name="work"/> as soon as a slot is free.</summary>
    public async Task EnqueueAsync(Func<Task> work)
    {
        await _slots.WaitAsync(_ct).ConfigureAwait(false);
        lock (_inFlight)
        {
            _inFlight.RemoveAll(t => t.IsCompletedSuccessfully);
            _inFlight.Add(Task.Run(async () =>
            {
                try { await work().ConfigureAwait(false); }
                finally { _slots.Release(); }
            }, _ct));
        }
    }

    /// <summary>Waits for everything started so far.</summary>
    public Task DrainAsync()
    {
        lock (_inFlight) return Task.WhenAll(_inFlight.ToArray());
    }

    /// <inheritdoc />
    public void Dispose() => _slots.Dispose();
}
