using System.Buffers;
using CloudStorage.Core.Errors;
using CloudStorage.Core.Model;
using CloudStorage.Core.Providers;

namespace CloudStorage.Core.Transfer;

/// <summary>
/// Reads one object of known length as consecutive byte ranges fetched <c>parallelism</c> at a time, and presents them
/// as one sequential stream, so a large download from a network store is not limited to one connection's throughput.
/// At most <c>parallelism</c> ranges exist at once, in flight or being consumed (a range starts when the one consumed is
/// done): memory is bounded by <c>parallelism</c> x <c>chunkSize</c>, whatever the object's size. A range that fails transiently is read
/// again (twice at most); a range that comes back shorter than asked means the object changed while it was read,
/// which fails the read (Conflict) instead of splicing two versions. Disposing cancels the ranges in flight.
/// </summary>
internal sealed class ParallelRangeStream : Stream
{
    private const int MaxAttempts = 3;
    private readonly IStorageProvider _provider;
    private readonly string _key;
    private readonly long _length;
    private readonly int _chunkSize;
    private readonly int _parallelism;
    private readonly CancellationTokenSource _stop;
    private readonly Queue<Task<byte[]>> _inFlight = new();
    private readonly Stack<byte[]> _free = new();
    private long _scheduled;   // offset of the next range to start
    private long _position;    // bytes handed to the reader
    private byte[]? _current;
    private int _currentCount;
    private int _currentOffset;
    private int _disposed;
    private string? _version;  // the object's version named by the first range's answer

    /// <summary>Reads <paramref name="length"/> bytes of <paramref name="key"/> in ranges of <paramref name="chunkSize"/>.</summary>
    public ParallelRangeStream(IStorageProvider provider, string key, long length, int chunkSize, int parallelism, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(provider);
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        ArgumentOutOfRangeException.ThrowIfLessThan(chunkSize, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(parallelism, 1);
        (_provider, _key, _length, _chunkSize, _parallelism) = (provider, key, length, chunkSize, parallelism);
        _stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        Fill();
    }

    /// <summary>The most ranges that were in flight at once (for tests of the memory bound).</summary>
    public int MaxInFlight { get; private set; }

    /// <summary>Range buffers allocated (for tests of the memory bound: at most the parallelism).</summary>
    public int BuffersAllocated => Volatile.Read(ref _allocated);

    private int _allocated;

    // The chunk being consumed counts against the parallelism: its buffer is one of the `parallelism`.
    private void Fill()
    {
        while (_inFlight.Count + (_current is null ? 0 : 1) < _parallelism && _scheduled < _length)
        {
            var offset = _scheduled;
            var count = (int)Math.Min(_chunkSize, _length - offset);
            _scheduled += count;
            _inFlight.Enqueue(Task.Run(() => FetchAsync(offset, count, _stop.Token)));
        }
        MaxInFlight = Math.Max(MaxInFlight, _inFlight.Count);
    }

    private async Task<byte[]> FetchAsync(long offset, int count, CancellationToken ct)
    {
        var buffer = RentBuffer();
        try
        {
            for (var attempt = 1; ; attempt++)
            {
                try
                {
                    await using var body = await _provider.OpenReadAsync(_key, new ByteRange(offset, count), ct).ConfigureAwait(false);
                    SameVersion(body, offset, count);
                    var filled = 0;
                    while (filled < count)
                    {
                        var n = await body.ReadAsync(buffer.AsMemory(filled, count - filled), ct).ConfigureAwait(false);
                        if (n == 0) break;
                        filled += n;
                    }
                    if (filled < count)
                        throw new StorageException(StorageErrorKind.Conflict,
                            $"'{_key}' changed while it was read: bytes {offset}-{offset + count - 1} returned {filled} bytes of {count}.", _key, _provider.Name);
                    return buffer;
                }
                catch (Exception ex) when (attempt < MaxAttempts && !ct.IsCancellationRequested && IsTransient(ex))
                {
                    await Task.Delay(TimeSpan.FromMilliseconds(200 * attempt), ct).ConfigureAwait(false);
                }
            }
        }
        catch
        {
            ReturnBuffer(buffer);
            throw;
        }
    }

    // Every range must come from the version the first answer named: ranges of an object replaced during the
    // download are never joined (answers that name no version leave it to the end-to-end hash check).
    private void SameVersion(Stream body, long offset, int count)
    {
        if (ReadVersion.Of(body) is not { } version) return;
        var first = Interlocked.CompareExchange(ref _version, version, null) ?? version;
        if (ReadVersion.Mismatch(first, version, _key, _provider.Name, $"bytes {offset}-{offset + count - 1}") is { } changed) throw changed;
    }

    private static bool IsTransient(Exception ex) => ex switch
    {
        StorageException s => s.IsTransient,
        IOException or HttpRequestException or TimeoutException => true,
        _ => false,
    };

    /// <inheritdoc />
    public override async ValueTask<int> ReadAsync(Memory<byte> destination, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        if (destination.Length == 0) return 0;
        if (_current is null || _currentOffset == _currentCount)
        {
            ReleaseCurrent();
            Fill(); // the consumed chunk's buffer starts the next range while the head of the queue is awaited
            if (_inFlight.Count == 0) return 0;
            var next = _inFlight.Dequeue();
            _current = await next.WaitAsync(cancellationToken).ConfigureAwait(false);
            _currentCount = (int)Math.Min(_chunkSize, _length - _position);
            _currentOffset = 0;
        }
        var n = Math.Min(destination.Length, _currentCount - _currentOffset);
        _current.AsMemory(_currentOffset, n).CopyTo(destination);
        _currentOffset += n;
        _position += n;
        return n;
    }

    /// <inheritdoc />
    public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    // A private free list instead of the shared ArrayPool: the shared pool keeps a large array per thread and per
    // core, so ranges fetched on many pool threads left several chunks each behind (a 1 GiB download from the S3
    // emulator peaked at 190 MiB). Here at most `parallelism` chunks ever exist, and they are reused.
    private byte[] RentBuffer()
    {
        lock (_free)
            if (_free.TryPop(out var buffer)) return buffer;
        Interlocked.Increment(ref _allocated);
        return GC.AllocateUninitializedArray<byte>(_chunkSize);
    }

    private void ReturnBuffer(byte[] buffer)
    {
        lock (_free) _free.Push(buffer);
    }

    private void ReleaseCurrent()
    {
        if (_current is null) return;
        ReturnBuffer(_current);
        _current = null;
    }

    /// <inheritdoc />
    public override async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        _stop.Cancel();
        while (_inFlight.Count > 0)
        {
            try { ReturnBuffer(await _inFlight.Dequeue().ConfigureAwait(false)); }
            catch (Exception) { /* cancelled or failed: its buffer went back already */ }
        }
        ReleaseCurrent();
        _stop.Dispose();
        await base.DisposeAsync().ConfigureAwait(false);
    }

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing && _disposed == 0) DisposeAsync().AsTask().GetAwaiter().GetResult();
        base.Dispose(disposing);
    }

    public override bool CanRead => _disposed == 0;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => _length;
    public override long Position { get => _position; set => throw new NotSupportedException(); }
    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
