using System.Security.Cryptography;
using CloudStorage.Errors;
using CloudStorage.Hashing;
using CloudStorage.Model;

namespace CloudStorage.Providers.Azure;

/// <summary>
/// Hashes an upload as its blocks are read: MD5 always (stored as the blob's Content-MD5), CRC-32C and SHA-256 only
/// when the caller expects them. Checked before the blob is committed, so a mismatch stores nothing.
/// </summary>
internal sealed class AzureUploadHasher : IDisposable
{
    private readonly IncrementalHash _md5 = IncrementalHash.CreateHash(HashAlgorithmName.MD5);
    private readonly IncrementalHash? _sha256;
    private readonly Crc32C? _crc;
    private readonly IReadOnlyList<ContentHash>? _expected;
    private ContentHash[]? _final;

    public AzureUploadHasher(IReadOnlyList<ContentHash>? expected)
    {
        _expected = expected;
        if (expected?.Any(h => h.Algorithm == HashAlgorithmKind.SHA256) == true) _sha256 = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        if (expected?.Any(h => h.Algorithm == HashAlgorithmKind.CRC32C) == true) _crc = new Crc32C();
    }

    /// <summary>Bytes hashed so far.</summary>
    public long Length { get; private set; }

    public void Append(ReadOnlySpan<byte> data)
    {
        _md5.AppendData(data);
        _sha256?.AppendData(data);
        _crc?.Append(data);
        Length += data.Length;
    }

    public IReadOnlyList<ContentHash> Finish()
    {
        if (_final is not null) return _final;
        var list = new List<ContentHash> { new(HashAlgorithmKind.MD5, _md5.GetHashAndReset()) };
        if (_crc is not null) list.Add(new ContentHash(HashAlgorithmKind.CRC32C, _crc.GetCurrentHashBigEndian()));
        if (_sha256 is not null) list.Add(new ContentHash(HashAlgorithmKind.SHA256, _sha256.GetHashAndReset()));
        return _final = list.ToArray();
    }

    public ContentHash Md5 => Finish()[0];

    /// <summary>Throws IntegrityFailure when the length or an expected hash does not match; nothing is stored then.</summary>
    public void Verify(long? declaredLength, bool sourceHasMore, string target, string provider)
    {
        if (declaredLength is { } declared && (declared != Length || sourceHasMore))
            throw new StorageException(StorageErrorKind.IntegrityFailure,
                $"Expected {declared} bytes for '{target}' but the stream had {(sourceHasMore ? "more" : Length.ToString())}; nothing was stored.", target, provider);
        HashVerification.Verify(_expected, Finish(), target, provider);
    }

    public void Dispose()
    {
        _md5.Dispose();
        _sha256?.Dispose();
    }
}
