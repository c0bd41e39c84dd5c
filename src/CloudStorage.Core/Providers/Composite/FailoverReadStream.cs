using CloudStorage.Core.Errors;
using CloudStorage.Core.Model;

namespace CloudStorage.Core.Providers.Composite;

/// <summary>
/// A read of a replicated object that survives its replica: when a read fails transiently after the replica's own
/// retries, the rest of the range is read from the next replica that has the object. Bytes are never handed out twice
/// or skipped; the caller's end-to-end length and hash checks still guard against replicas that differ.
/// </summary>
internal sealed class FailoverReadStream(ReplicatedStorageProvider owner, string key, ByteRange? range, int replica, Stream first) : Stream
{
    private Stream _current = first;
    private int _replica = replica;
    private long _position;
    private readonly long? _length = LengthOf(first);

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => _length ?? throw new NotSupportedException();
    public override long Position { get => _position; set => throw new NotSupportedException(); }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        while (true)
        {
            try
            {
                var n = await _current.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
                _position += n;
                return n;
            }
            catch (StorageException e) when (e.IsTransient && _replica + 1 < owner.ReplicaCount)
            {
                await _current.DisposeAsync().ConfigureAwait(false);
                try
                {
                    (_current, _replica) = await owner.OpenOnAsync(_replica + 1, key, Remaining(), cancellationToken).ConfigureAwait(false);
                }
                catch (StorageException)
                {
                    _current = Null;
                    throw e;
                }
            }
        }
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    private ByteRange Remaining() => range is { } r
        ? new ByteRange(r.Offset + _position, r.Length is { } l ? l - _position : null)
        : new ByteRange(_position);

    private static long? LengthOf(Stream s)
    {
        try { return s.Length; }
        catch (NotSupportedException) { return null; }
    }

    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing) _current.Dispose();
        base.Dispose(disposing);
    }

    public override async ValueTask DisposeAsync()
    {
        await _current.DisposeAsync().ConfigureAwait(false);
        await base.DisposeAsync().ConfigureAwait(false);
    }
}
