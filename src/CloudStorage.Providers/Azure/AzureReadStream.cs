using CloudStorage.Providers.Azure.Transport;

namespace CloudStorage.Providers.Azure;

/// <summary>
/// The body of a Get Blob answer: reads at most the requested range and releases the response, and its connection,
/// when disposed. Failures while reading surface as the transport's exceptions, mapped to StorageExceptions.
/// </summary>
internal sealed class AzureReadStream(AzureDownload download, long length, string target, string provider) : Stream
{
    private long _position;

    private int Allowed(int requested) => (int)Math.Min(requested, Math.Max(0, length - _position));

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        var allowed = Allowed(buffer.Length);
        if (allowed == 0) return 0;
        try
        {
            var n = download.Body.Read(buffer[..allowed]);
            _position += n;
            return n;
        }
        catch (Exception e) when (AzureErrorMapper.Map(e, target, provider, CancellationToken.None) is { } mapped)
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
            var n = await download.Body.ReadAsync(buffer[..allowed], cancellationToken).ConfigureAwait(false);
            _position += n;
            return n;
        }
        catch (Exception e) when (AzureErrorMapper.Map(e, target, provider, cancellationToken) is { } mapped)
        {
            throw mapped;
        }
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => length;
    public override long Position { get => _position; set => throw new NotSupportedException(); }
    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing) download.Dispose();
        base.Dispose(disposing);
    }
}
