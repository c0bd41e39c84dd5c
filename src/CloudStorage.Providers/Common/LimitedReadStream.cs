namespace CloudStorage.Providers.Common;

/// <summary>
/// A response body read at most up to <c>limit</c> bytes (a server that ignores part of a Range header cannot hand
/// out more; no limit when null). A subclass may translate read failures (<see cref="MapReadError"/>) and releases
/// the response when disposed.
/// </summary>
internal abstract class LimitedReadStream(Stream body, long? limit) : ReadOnlyStream
{
    private long _position;

    /// <summary>The most bytes this stream hands out, when limited.</summary>
    protected long? Limit { get; } = limit;

    private int Allowed(int requested) =>
        Limit is { } l ? (int)Math.Min(requested, Math.Max(0, l - _position)) : requested;

    /// <summary>The exception to throw instead of <paramref name="error"/> raised by a read, or null to let it pass.</summary>
    protected virtual Errors.StorageException? MapReadError(Exception error, CancellationToken cancellationToken) => null;

    public override long Position { get => _position; set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        var allowed = Allowed(buffer.Length);
        if (allowed == 0) return 0;
        try
        {
            var n = body.Read(buffer[..allowed]);
            _position += n;
            return n;
        }
        catch (Exception e) when (MapReadError(e, CancellationToken.None) is { } mapped)
        {
            throw mapped;
        }
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var allowed = Allowed(buffer.Length);
        if (allowed == 0) return 0;
        try
        {
            var n = await body.ReadAsync(buffer[..allowed], cancellationToken).ConfigureAwait(false);
            _position += n;
            return n;
        }
        catch (Exception e) when (MapReadError(e, cancellationToken) is { } mapped)
        {
            throw mapped;
        }
    }
}
