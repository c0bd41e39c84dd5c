using System.Runtime.ExceptionServices;
using System.Threading.Channels;
using CloudStorage.Core.Errors;
using CloudStorage.Core.Model;

namespace CloudStorage.Core.Providers.Composite;

/// <summary>
/// Feeds one source stream to several writes at once, reading the source once: each chunk read is handed to every
/// target still writing, through a small bounded queue per target (so memory stays flat and the slowest target sets
/// the pace). A target that fails drops out and the others go on; a source that fails fails every target and is thrown.
/// </summary>
internal static class ReplicaFanOut
{
    private const int ChunkSize = 64 * 1024;   // below the large-object heap threshold
    private const int QueueChunks = 32;        // 2 MiB in flight per target at most

    /// <summary>One result per target, in order: the stored item, or the target's failure.</summary>
    public static async Task<(StorageItem? Item, StorageException? Error)[]> WriteAsync(Stream source,
        IReadOnlyList<Func<Stream, CancellationToken, Task<StorageItem>>> targets, long? length, CancellationToken ct)
    {
        var queues = targets.Select(_ => Channel.CreateBounded<ReadOnlyMemory<byte>>(
            new BoundedChannelOptions(QueueChunks) { SingleReader = true, SingleWriter = true })).ToArray();
        var writes = targets.Select((target, i) => Task.Run(async () =>
        {
            try
            {
                await using var stream = new QueueReadStream(queues[i].Reader, length);
                return ((StorageItem?)await target(stream, ct).ConfigureAwait(false), (StorageException?)null);
            }
            catch (StorageException e)
            {
                return (null, e);
            }
            catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
            {
                return (null, new StorageException(StorageErrorKind.Unknown, $"Write failed ({e.GetType().Name}): {e.Message}", inner: e, isTransient: false));
            }
            finally
            {
                // Whether it finished or failed, this target takes no more chunks: the source goes on for the others.
                queues[i].Writer.TryComplete();
            }
        }, ct)).ToArray();

        Exception? sourceError = null;
        try
        {
            var live = new bool[targets.Count];
            Array.Fill(live, true);
            while (live.Contains(true))
            {
                var buffer = new byte[ChunkSize];
                var n = await source.ReadAsync(buffer, ct).ConfigureAwait(false);
                if (n == 0) break;
                var chunk = new ReadOnlyMemory<byte>(buffer, 0, n);
                for (var i = 0; i < queues.Length; i++)
                {
                    if (!live[i]) continue;
                    try
                    {
                        await queues[i].Writer.WriteAsync(chunk, ct).ConfigureAwait(false);
                    }
                    catch (ChannelClosedException)
                    {
                        live[i] = false;
                    }
                }
            }
        }
        catch (Exception e)
        {
            sourceError = e;
        }
        foreach (var queue in queues)
            queue.Writer.TryComplete(sourceError is null ? null : new SourceFailedException(sourceError));
        var results = await Task.WhenAll(writes).ConfigureAwait(false);
        if (sourceError is not null) ExceptionDispatchInfo.Capture(sourceError).Throw();
        return results;
    }

    /// <summary>Marks a failure of the shared source as seen by one target.</summary>
    private sealed class SourceFailedException(Exception inner) : IOException("The source of a replicated write failed: " + inner.Message, inner);

    /// <summary>A forward-only stream over one target's queue of chunks.</summary>
    private sealed class QueueReadStream(ChannelReader<ReadOnlyMemory<byte>> queue, long? length) : Stream
    {
        private ReadOnlyMemory<byte> _current;
        private long _position;

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => length ?? throw new NotSupportedException();
        public override long Position { get => _position; set => throw new NotSupportedException(); }

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (buffer.Length == 0) return 0;
            while (_current.IsEmpty)
            {
                try
                {
                    if (!await queue.WaitToReadAsync(cancellationToken).ConfigureAwait(false)) return 0;
                }
                catch (ChannelClosedException e) when (e.InnerException is { } inner)
                {
                    ExceptionDispatchInfo.Capture(inner).Throw();
                }
                queue.TryRead(out _current);
            }
            var n = Math.Min(buffer.Length, _current.Length);
            _current[..n].CopyTo(buffer);
            _current = _current[n..];
            _position += n;
            return n;
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
