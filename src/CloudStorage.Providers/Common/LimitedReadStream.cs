namespace CloudStorage.Providers.Common;

/// <summary>
/// A response body read at most up to <c>limit</c> bytes (a server that ignores part of a Range header cannot hand
/// out more; no limit when null). A body that ends before the limit is a transient IntegrityFailure (a truncated
/// answer is never handed out as data; a retry may get it whole). A subclass may translate read failures
/// (<see cref="MapReadError"/>) and releases the response when disposed.
/// </summary>
internal abstract class LimitedReadStream(Stream body, long? limit, string? target = null, string? provider = null) : ReadOnlyStream
{
    private long _position;

    /// <summary>The most bytes this stream hands out, when limited.</summary>
    protected long? Limit { get; } = limit;

    /// <summary>The address read (for errors).</summary>
    protected string? Target { get; } = target;

    /// <summary>The provider reading (for errors).</summary>
    protected string? Provider { get; } = provider;

    private int Allowed(int requested) =>
        Limit is { } l ? (int)Math.Min(requested, Math.Max(0, l - _position)) : requested;

    /// <summary>The exception to throw instead of <paramref name="error"/> raised by a read, or null to let it pass.</summary>
    protected virtual Core.Errors.StorageException? MapReadError(Exception error, CancellationToken cancellationToken) => null;

    public override long Position { get => _position; set => throw new NotSupportedException(); }

    // The body ended: short of the limit, that is a truncated answer.
    private void CheckComplete()
    {
        if (Limit is { } l && _position < l) throw ShortBody.Error(_position, l, Target, Provider);
        EndOnce();
    }

    private bool _ended;

    private void EndOnce()
    {
        if (_ended) return;
        _ended = true;
        try
        {
            OnBodyEnd();
        }
        catch (Exception e) when (MapReadError(e, CancellationToken.None) is { } mapped)
        {
            throw mapped;
        }
    }

    /// <summary>Called once when the whole body was handed out (a subclass may validate it here, on the last read).</summary>
    protected virtual void OnBodyEnd() { }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        var allowed = Allowed(buffer.Length);
        if (allowed == 0) return 0;
        try
        {
            var n = body.Read(buffer[..allowed]);
            _position += n;
            if (n == 0 || _position == Limit) CheckComplete();
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
            if (n == 0 || _position == Limit) CheckComplete();
            return n;
        }
        catch (Exception e) when (MapReadError(e, cancellationToken) is { } mapped)
        {
            throw mapped;
        }
    }
}

/// <summary>The error for a response body that ended before the length it promised.</summary>
internal static class ShortBody
{
    public static Core.Errors.StorageException Error(long received, long expected, string? target, string? provider) =>
        new(Core.Errors.StorageErrorKind.IntegrityFailure,
            $"The answer for '{target}' ended after {received} of {expected} bytes; a truncated body is never returned as data.",
            target, provider, isTransient: true);
}
