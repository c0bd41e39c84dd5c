namespace CloudStorage.Providers.Azure;

/// <summary>
/// At most <c>capacity</c> block buffers for one upload, allocated on first need and reused: the memory an upload
/// holds is bounded by capacity × block size however long the stream is.
/// </summary>
internal sealed class BlockBufferPool : IDisposable
{
    private readonly SemaphoreSlim _slots;
    private readonly Stack<byte[]> _free = new();
    private readonly object _lock = new();
    private readonly int _bufferSize;

    public BlockBufferPool(long bufferSize, int capacity)
    {
        if (bufferSize > Array.MaxLength)
            throw new Errors.StorageException(Errors.StorageErrorKind.InvalidArgument,
                $"A block of {bufferSize} bytes does not fit in memory; use a smaller block size or a known length.");
        _bufferSize = (int)bufferSize;
        _slots = new SemaphoreSlim(capacity, capacity);
    }

    /// <summary>Buffers allocated so far (never more than the capacity).</summary>
    public int Allocated { get; private set; }

    /// <summary>Waits for a free slot and returns a buffer of the block size.</summary>
    public async Task<byte[]> RentAsync(CancellationToken ct)
    {
        await _slots.WaitAsync(ct).ConfigureAwait(false);
        lock (_lock)
        {
            if (_free.TryPop(out var buffer)) return buffer;
            Allocated++;
        }
        return GC.AllocateUninitializedArray<byte>(_bufferSize);
    }

    /// <summary>Gives a buffer back for the next block.</summary>
    public void Return(byte[] buffer)
    {
        lock (_lock) _free.Push(buffer);
        _slots.Release();
    }

    public void Dispose() => _slots.Dispose();
}
