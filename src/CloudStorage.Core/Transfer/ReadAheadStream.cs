using System.Threading.Channels;

namespace CloudStorage.Core.Transfer;

/// <summary>
/// Reads the next chunks of a source while the consumer is still busy with the current one (hashing, writing), so
/// source and destination I/O overlap. Holds at most <c>depth</c> chunks of <c>chunkSize</c> bytes: memory is bounded.
/// Source errors surface on the consumer's next read; disposing stops the prefetch.
/// </summary>
/// <remarks>
/// Over an <see cref="Hashing.IHashedStream"/> that has delivered nothing, it is one too: every byte it delivers was
/// hashed by its source on the prefetch's side, and it answers with its source's hashes once the prefetch is at rest.
/// </remarks>
internal sealed class ReadAheadStream : Stream, Hashing.IHashedStream
{
    private readonly Stream _source;
    private readonly Channel<(byte[] Buffer, int Count)> _chunks;
    private readonly Channel<byte[]> _free;
    private readonly CancellationTokenSource _stop;
    private readonly Task _producer;
    private readonly int _chunkSize;
    private readonly int _maxBuffers;
    private int _allocated;
    private (byte[] Buffer, int Count) _current;
    private int _offset;

    // The hashed source this stream reads, when it had delivered nothing before: its hashes cover what is delivered.
    private readonly Hashing.IHashedStream? _hashedSource;

    /// <summary>Bytes handed to the reader so far.</summary>
    public long Delivered { get; private set; }

    /// <inheritdoc />
    public bool HashesEveryByte => _hashedSource is { HashesEveryByte: true };

    /// <inheritdoc />
    public bool IncludesSha256 => _hashedSource?.IncludesSha256 == true;

    /// <inheritdoc />
    public (long Length, IReadOnlyList<Model.ContentHash> Hashes) GetHashes()
    {
        if (_hashedSource is null) throw new InvalidOperationException("This read-ahead's source does not hash what it reads.");
        // The prefetch stops first, so no read of the source is in flight while its hashes are taken.
        Dispose();
        return _hashedSource.GetHashes();
    }
    private bool _ended;
    private int _disposed;

    /// <summary>
    /// Prefetches up to <paramref name="depth"/> chunks of <paramref name="chunkSize"/> bytes from <paramref name="source"/>;
    /// with <paramref name="expectedLength"/> the chunks are no larger than the content (plus one byte, so that one
    /// read also sees the end). Buffers are allocated as the prefetch needs them.
    /// </summary>
    public ReadAheadStream(Stream source, int chunkSize = 1 << 20, int depth = 2, CancellationToken ct = default, long? expectedLength = null)
    {
        // A small object must not cost (depth + 1) full-size chunks: for many small objects that allocation (large
        // object heap, zeroed) was most of the CPU of a sync.
        _chunkSize = expectedLength is { } expected ? (int)Math.Clamp(expected + 1, 1, chunkSize) : chunkSize;
        _maxBuffers = depth + 1;
        _source = source;
        // Checked before the prefetch starts: then every byte this stream delivers has been hashed by it.
        _hashedSource = source is Hashing.IHashedStream { HashesEveryByte: true, Delivered: 0 } hashed ? hashed : null;
        _chunks = Channel.CreateBounded<(byte[], int)>(depth);
        _free = Channel.CreateUnbounded<byte[]>();
        _stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var token = _stop.Token;
        _producer = Task.Run(() => ProduceAsync(token), token);
    }

    private async Task ProduceAsync(CancellationToken ct)
    {
        try
        {
            while (true)
            {
                byte[] buffer;
                if (_free.Reader.TryRead(out var reused)) buffer = reused;
                else if (_allocated < _maxBuffers) { _allocated++; buffer = new byte[_chunkSize]; }
                else buffer = await _free.Reader.ReadAsync(ct).ConfigureAwait(false);
                var filled = 0;
                // Fill the chunk (sources such as network bodies return short reads).
                while (filled < buffer.Length)
                {
                    var n = await _source.ReadAsync(buffer.AsMemory(filled), ct).ConfigureAwait(false);
                    if (n == 0) break;
                    filled += n;
                }
                if (filled == 0) break;
                await _chunks.Writer.WriteAsync((buffer, filled), ct).ConfigureAwait(false);
                if (filled < buffer.Length) break;
            }
            _chunks.Writer.TryComplete();
        }
        catch (Exception ex)
        {
            _chunks.Writer.TryComplete(ex);
        }
    }

    /// <inheritdoc />
    public override async ValueTask<int> ReadAsync(Memory<byte> destination, CancellationToken cancellationToken = default)
    {
        if (destination.Length == 0 || _ended) return 0;
        if (_current.Buffer is null || _offset == _current.Count)
        {
            if (_current.Buffer is not null) _free.Writer.TryWrite(_current.Buffer);
            _current = default;
            if (!await _chunks.Reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
            {
                await _chunks.Reader.Completion.ConfigureAwait(false); // rethrows a source failure
                _ended = true;
                return 0;
            }
            _current = await _chunks.Reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            _offset = 0;
        }
        var n = Math.Min(destination.Length, _current.Count - _offset);
        _current.Buffer.AsMemory(_offset, n).CopyTo(destination);
        _offset += n;
        Delivered += n;
        return n;
    }

    /// <inheritdoc />
    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    /// <inheritdoc />
    public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    /// <inheritdoc />
    public override bool CanRead => true;
    /// <inheritdoc />
    public override bool CanSeek => false;
    /// <inheritdoc />
    public override bool CanWrite => false;
    /// <inheritdoc />
    public override long Length => throw new NotSupportedException();
    /// <inheritdoc />
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
    /// <inheritdoc />
    public override void Flush() { }
    /// <inheritdoc />
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    /// <inheritdoc />
    public override void SetLength(long value) => throw new NotSupportedException();
    /// <inheritdoc />
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing && StopOnce())
        {
            try { _producer.Wait(); } catch (AggregateException) { }
            _stop.Dispose();
        }
        base.Dispose(disposing);
    }

    /// <inheritdoc />
    public override async ValueTask DisposeAsync()
    {
        if (StopOnce())
        {
            try { await _producer.ConfigureAwait(false); } catch (OperationCanceledException) { }
            _stop.Dispose();
        }
        GC.SuppressFinalize(this);
    }

    // True for the first caller only: stops the prefetch.
    private bool StopOnce()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return false;
        _stop.Cancel();
        return true;
    }
}
