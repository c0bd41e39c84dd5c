namespace CloudStorage.Core.Tests.Conformance;

/// <summary>A pass-through stream that hides its length and cannot seek, as a network or pipe stream.</summary>
public sealed class NonSeekableStream(Stream inner, int maxChunk = int.MaxValue) : Stream
{
    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException("length unknown");
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
    public override int Read(byte[] buffer, int offset, int count) => inner.Read(buffer, offset, Math.Min(count, maxChunk));
    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        inner.ReadAsync(buffer[..Math.Min(buffer.Length, maxChunk)], cancellationToken);
    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();
    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    protected override void Dispose(bool disposing) { if (disposing) inner.Dispose(); base.Dispose(disposing); }
}

/// <summary>
/// Serves <paramref name="data"/> and, once <paramref name="failAfter"/> bytes have been read, calls
/// <paramref name="onThreshold"/> (cancel a token, or throw) before every further read.
/// </summary>
public sealed class InterruptingStream(byte[] data, int failAfter, Action<CancellationToken> onThreshold) : Stream
{
    private int _position;

    public static InterruptingStream Cancelling(byte[] data, int failAfter, CancellationTokenSource cts) =>
        new(data, failAfter, token =>
        {
            cts.Cancel();
            token.ThrowIfCancellationRequested();
        });

    public static InterruptingStream Failing(byte[] data, int failAfter) =>
        new(data, failAfter, _ => throw new IOException("simulated failure of the source stream"));

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => _position; set => throw new NotSupportedException(); }
    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count), CancellationToken.None);
    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(Read(buffer.Span, cancellationToken));
    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        Task.FromResult(Read(buffer.AsSpan(offset, count), cancellationToken));

    private int Read(Span<byte> buffer, CancellationToken cancellationToken)
    {
        if (_position >= failAfter) onThreshold(cancellationToken);
        // Hand out small chunks so the threshold is reached mid-object, not in one read.
        var n = Math.Min(Math.Min(buffer.Length, 16 * 1024), data.Length - _position);
        data.AsSpan(_position, n).CopyTo(buffer);
        _position += n;
        return n;
    }

    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
