using CloudStorage.Providers.Common;

namespace CloudStorage.Providers.Gcs;

/// <summary>
/// The body of a media download. When a server answered a range request with the whole object (200 instead of 206,
/// as HTTP allows), the bytes before the range are skipped and the rest is cut at the range's end. Disposing it
/// releases the response.
/// </summary>
internal sealed class GcsReadStream(HttpResponseMessage response, Stream body, long skip, long? limit) : ReadOnlyStream
{
    private long _skip = skip;
    private long? _remaining = limit;

    public static async Task<GcsReadStream> OpenAsync(HttpResponseMessage response, long skip, long? limit, CancellationToken ct) =>
        new(response, await response.Content.ReadAsStreamAsync(ct).ConfigureAwait(false), skip, limit);

    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (buffer.Length == 0) return 0;
        if (_skip > 0)
        {
            var scratch = new byte[(int)Math.Min(_skip, 81920)];
            while (_skip > 0)
            {
                var n = await body.ReadAsync(scratch.AsMemory(0, (int)Math.Min(_skip, scratch.Length)), cancellationToken).ConfigureAwait(false);
                if (n == 0) { _skip = 0; _remaining = 0; return 0; }
                _skip -= n;
            }
        }
        if (_remaining is 0) return 0;
        var max = _remaining is { } r ? (int)Math.Min(buffer.Length, r) : buffer.Length;
        var read = await body.ReadAsync(buffer[..max], cancellationToken).ConfigureAwait(false);
        if (_remaining is not null) _remaining -= read;
        return read;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            body.Dispose();
            response.Dispose();
        }
        base.Dispose(disposing);
    }
}
