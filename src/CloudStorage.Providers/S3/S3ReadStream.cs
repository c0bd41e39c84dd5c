using Amazon.S3.Model;

namespace CloudStorage.Providers.S3;

/// <summary>
/// The body of a GetObject response: reads at most the requested range (a server that ignores part of a Range
/// header cannot hand out more) and releases the response, and its connection, when disposed.
/// </summary>
internal sealed class S3ReadStream(GetObjectResponse response, long? limit) : Stream
{
    private readonly Stream _body = response.ResponseStream;
    private long _position;

    private int Allowed(int requested) =>
        limit is { } l ? (int)Math.Min(requested, Math.Max(0, l - _position)) : requested;

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        var allowed = Allowed(buffer.Length);
        if (allowed == 0) return 0;
        var n = _body.Read(buffer[..allowed]);
        _position += n;
        return n;
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var allowed = Allowed(buffer.Length);
        if (allowed == 0) return 0;
        var n = await _body.ReadAsync(buffer[..allowed], cancellationToken).ConfigureAwait(false);
        _position += n;
        return n;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => limit is { } l ? Math.Min(l, response.ContentLength) : response.ContentLength;
    public override long Position { get => _position; set => throw new NotSupportedException(); }
    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _body.Dispose();
            response.Dispose();
        }
        base.Dispose(disposing);
    }
}
