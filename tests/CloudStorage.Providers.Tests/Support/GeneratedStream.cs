using System.Security.Cryptography;

namespace CloudStorage.Providers.Tests.Support;

/// <summary>
/// A non-seekable stream of <paramref name="length"/> pseudo-random bytes made on the fly (xorshift), so a large
/// upload needs no large array in the test and its allocations are the uploader's own.
/// </summary>
public sealed class GeneratedStream(long length, ulong seed = 0x9E3779B97F4A7C15) : Stream
{
    private ulong _state = seed;
    private long _position;

    /// <summary>The MD5 of the bytes a stream with these arguments produces.</summary>
    public static byte[] Md5Of(long length, ulong seed = 0x9E3779B97F4A7C15)
    {
        using var md5 = IncrementalHash.CreateHash(HashAlgorithmName.MD5);
        using var stream = new GeneratedStream(length, seed);
        var buffer = new byte[81920];
        int n;
        while ((n = stream.Read(buffer, 0, buffer.Length)) > 0) md5.AppendData(buffer, 0, n);
        return md5.GetHashAndReset();
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        var n = (int)Math.Min(buffer.Length, length - _position);
        for (var i = 0; i < n; i++)
        {
            // One state step per 8 bytes would be faster; one per byte keeps this obviously deterministic.
            _state ^= _state << 13;
            _state ^= _state >> 7;
            _state ^= _state << 17;
            buffer[i] = (byte)_state;
        }
        _position += n;
        return n;
    }

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(Read(buffer.Span));

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        Task.FromResult(Read(buffer.AsSpan(offset, count)));

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => _position; set => throw new NotSupportedException(); }
    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
