using System.Runtime.ExceptionServices;
using CloudStorage.Core.Model;
using CloudStorage.Providers.Common;
using Polly;
using CloudStorage.Core.Providers;

namespace CloudStorage.Providers.Resilience;

/// <summary>
/// A read that survives a broken body: when a read fails transiently (a dropped connection, a stall past the read
/// timeout, a body that ends short), the object is opened again with a range from the first byte not yet handed out,
/// through the retry pipeline (so the attempts, delays and verbose lines are the same as for any other call). Bytes
/// are never handed out twice or skipped, nor joined across versions: when both answers name the object's version
/// (<see cref="IReadVersion"/>) and the object was replaced in between, the read fails as a Conflict instead of
/// continuing with the new object's bytes (the caller's end-to-end hash check remains for answers that do not say).
/// </summary>
internal sealed class ResumingReadStream(IStorageProvider inner, ResiliencePipeline pipeline, string key, ByteRange? range, Stream first) : ReadOnlyStream, IReadVersion
{
    private Stream? _current = first;
    private long _position;

    /// <summary>The version of the object the first answer came from (every later one must match it).</summary>
    public string? Version { get; } = ReadVersion.Of(first);

    // The first body's length, when it knows it (the provider's read streams do).
    public override long Length => _current?.Length ?? throw new NotSupportedException();

    public override long Position { get => _position; set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (buffer.Length == 0) return 0;
        ExceptionDispatchInfo? failed = null;
        if (_current is { } body)
        {
            // The common case, outside the pipeline: one read of the open body (a large download makes tens of
            // thousands of these, and a pipeline run per read cost about 5% of its CPU). A failure here is the
            // pipeline's first attempt, handed to it below, so attempts, delays and retry lines stay the same.
            try
            {
                var read = await body.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
                _position += read;
                return read;
            }
            catch (Exception e)
            {
                await body.DisposeAsync().ConfigureAwait(false);
                _current = null;
                failed = ExceptionDispatchInfo.Capture(e);
            }
        }
        return await pipeline.ExecuteAsync("Read", async ct =>
        {
            if (failed is { } first)
            {
                failed = null;
                first.Throw();
            }
            _current ??= Same(await inner.OpenReadAsync(key, Remaining(), ct).ConfigureAwait(false));
            try
            {
                var n = await _current.ReadAsync(buffer, ct).ConfigureAwait(false);
                _position += n;
                return n;
            }
            catch
            {
                // Whatever broke, this body is done: the next attempt opens a new one from _position.
                await _current.DisposeAsync().ConfigureAwait(false);
                _current = null;
                throw;
            }
        }, cancellationToken).ConfigureAwait(false);
    }

    // A continuation from another version of the object is refused before any of its bytes is handed out.
    private Stream Same(Stream resumed)
    {
        if (ReadVersion.Mismatch(Version, ReadVersion.Of(resumed), inner.AddressRoot + key, inner.Name, $"the bytes from {_position} on") is not { } changed)
            return resumed;
        resumed.Dispose();
        throw changed;
    }

    // What is left of the asked-for range after the bytes already handed out.
    private ByteRange Remaining() => range is { } r
        ? new ByteRange(r.Offset + _position, r.Length is { } l ? l - _position : null)
        : new ByteRange(_position);

    protected override void Dispose(bool disposing)
    {
        if (disposing) _current?.Dispose();
        _current = null;
        base.Dispose(disposing);
    }

    public override async ValueTask DisposeAsync()
    {
        if (_current is not null) await _current.DisposeAsync().ConfigureAwait(false);
        _current = null;
        await base.DisposeAsync().ConfigureAwait(false);
    }
}
