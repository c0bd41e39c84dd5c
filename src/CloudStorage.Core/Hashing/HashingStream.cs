using System.Security.Cryptography;
using CloudStorage.Core.Model;

namespace CloudStorage.Core.Hashing;

/// <summary>
/// A read-only pass-through stream that hashes what is read (MD5, CRC32C and optionally SHA-256), counts
/// bytes and reports progress, so a transfer hashes on the fly without a second pass.
/// </summary>
internal sealed class HashingStream : Stream, IHashedStream
{
    private readonly Stream _inner;
    private readonly bool _leaveOpen;
    private readonly IncrementalHash _md5 = IncrementalHash.CreateHash(HashAlgorithmName.MD5);
    private readonly IncrementalHash? _sha256;
    private readonly Crc32C _crc = new();
    private readonly Action<long>? _onProgress;
    private ContentHash[]? _final;

    /// <summary>Wraps <paramref name="inner"/>; <paramref name="onProgress"/> gets the running byte count.</summary>
    public HashingStream(Stream inner, bool includeSha256 = false, Action<long>? onProgress = null, bool leaveOpen = false)
    {
        _inner = inner;
        _leaveOpen = leaveOpen;
        _onProgress = onProgress;
        if (includeSha256) _sha256 = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    }

    /// <summary>Bytes read so far.</summary>
    public long BytesRead { get; private set; }

    /// <summary>Whether SHA-256 is computed besides MD5 and CRC32C.</summary>
    public bool IncludesSha256 => _sha256 is not null;

    /// <inheritdoc />
    public bool HashesEveryByte => _final is null;

    /// <inheritdoc />
    public long Delivered => BytesRead;

    /// <inheritdoc />
    (long Length, IReadOnlyList<ContentHash> Hashes) IHashedStream.GetHashes() => (BytesRead, GetHashes());

    /// <summary>The hashes of everything read; call after reading to the end.</summary>
    public IReadOnlyList<ContentHash> GetHashes()
    {
        if (_final is null)
        {
            var list = new List<ContentHash>
            {
                new(HashAlgorithmKind.MD5, _md5.GetHashAndReset()),
                new(HashAlgorithmKind.CRC32C, _crc.GetCurrentHashBigEndian()),
            };
            if (_sha256 is not null) list.Add(new ContentHash(HashAlgorithmKind.SHA256, _sha256.GetHashAndReset()));
            _final = list.ToArray();
        }
        return _final;
    }

    /// <inheritdoc />
    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    /// <inheritdoc />
    public override int Read(Span<byte> buffer)
    {
        var n = _inner.Read(buffer);
        Observe(buffer[..n]);
        return n;
    }

    /// <inheritdoc />
    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    /// <inheritdoc />
    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var n = await _inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
        Observe(buffer.Span[..n]);
        return n;
    }

    private void Observe(ReadOnlySpan<byte> data)
    {
        if (data.Length == 0) return;
        if (_final is not null) throw new InvalidOperationException("The hashes were already taken.");
        _md5.AppendData(data);
        _crc.Append(data);
        _sha256?.AppendData(data);
        BytesRead += data.Length;
        _onProgress?.Invoke(BytesRead);
    }

    /// <inheritdoc />
    public override bool CanRead => true;
    /// <inheritdoc />
    public override bool CanSeek => false;
    /// <inheritdoc />
    public override bool CanWrite => false;
    /// <inheritdoc />
    public override long Length => _inner.Length;
    /// <inheritdoc />
    public override long Position { get => BytesRead; set => throw new NotSupportedException(); }
    /// <inheritdoc />
    public override void Flush() { }
    /// <inheritdoc />
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    /// <inheritdoc />
    public override void SetLength(long value) => throw new NotSupportedException();
    /// <inheritdoc />
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _md5.Dispose();
            _sha256?.Dispose();
            if (!_leaveOpen) _inner.Dispose();
        }
        base.Dispose(disposing);
    }
}
