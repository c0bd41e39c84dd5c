namespace CloudStorage.Providers.Common;

/// <summary>
/// At most <c>capacity</c> part (or block) buffers for one upload, allocated on first need and reused: the memory an upload
/// holds is bounded by capacity × part size however long the stream is. <see cref="PartUploadPipeline"/> sizes it at the
/// concurrency: a part buffer is rented only with a request slot, so parts being filled and parts being sent share the bound.
/// </summary>
internal sealed class PartBufferPool : IDisposable
{
    private readonly SemaphoreSlim _slots;
    private readonly Stack<byte[]> _free = new();
    private readonly object _lock = new();
    private readonly int _bufferSize;

    public PartBufferPool(long bufferSize, int capacity)
    {
        if (bufferSize > Array.MaxLength)
            throw new Core.Errors.StorageException(Core.Errors.StorageErrorKind.InvalidArgument,
                $"A part of {bufferSize} bytes does not fit in memory; use a smaller part size or a known length.");
        _bufferSize = (int)bufferSize;
        _slots = new SemaphoreSlim(capacity, capacity);
    }

    /// <summary>Buffers allocated so far (never more than the capacity).</summary>
    public int Allocated { get; private set; }

    /// <summary>The most buffers that were rented at the same time (the high-water mark of buffered parts).</summary>
    public int PeakRented { get; private set; }

    private int _rented;

    /// <summary>Waits for a free slot and returns a buffer of the part size.</summary>
    public async Task<byte[]> RentAsync(CancellationToken ct)
    {
        await _slots.WaitAsync(ct).ConfigureAwait(false);
        lock (_lock)
        {
            PeakRented = Math.Max(PeakRented, ++_rented);
            if (_free.TryPop(out var buffer)) return buffer;
            Allocated++;
        }
        return GC.AllocateUninitializedArray<byte>(_bufferSize);
    }

    /// <summary>Gives a buffer back for the next part.</summary>
    public void Return(byte[] buffer)
    {
        lock (_lock)
        {
            _rented--;
            _free.Push(buffer);
        }
        _slots.Release();
    }

    public void Dispose() => _slots.Dispose();
}
