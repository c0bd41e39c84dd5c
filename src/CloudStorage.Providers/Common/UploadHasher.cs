using System.Security.Cryptography;
using CloudStorage.Core.Errors;
using CloudStorage.Core.Hashing;
using CloudStorage.Core.Model;

namespace CloudStorage.Providers.Common;

/// <summary>
/// Hashes an upload as its parts (S3), blocks (Azure) or chunks (GCS) are read: MD5 always (stored with the object, or as the blob's Content-MD5), CRC-32C
/// when the caller expects it or the service reports it (GCS), SHA-256 only when the caller expects it. Checked before the object is committed, so a mismatch
/// stores nothing.
/// </summary>
internal sealed class UploadHasher : IDisposable
{
    private readonly IncrementalHash _md5 = IncrementalHash.CreateHash(HashAlgorithmName.MD5);
    private readonly IncrementalHash? _sha256;
    private readonly Crc32C? _crc;
    private readonly IReadOnlyList<ContentHash>? _expected;
    private ContentHash[]? _final;

    public UploadHasher(IReadOnlyList<ContentHash>? expected, bool alwaysCrc32C = false)
    {
        _expected = expected;
        if (expected?.Any(h => h.Algorithm == HashAlgorithmKind.SHA256) == true) _sha256 = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        if (alwaysCrc32C || expected?.Any(h => h.Algorithm == HashAlgorithmKind.CRC32C) == true) _crc = new Crc32C();
    }

    /// <summary>Bytes hashed so far.</summary>
    public long Length { get; private set; }

    /// <summary>The MD5 the caller promised, when it did (known before any byte is sent).</summary>
    public ContentHash? ExpectedMd5 => _expected?.FirstOrDefault(h => h.Algorithm == HashAlgorithmKind.MD5);

    public void Append(ReadOnlySpan<byte> data)
    {
        _md5.AppendData(data);
        _sha256?.AppendData(data);
        _crc?.Append(data);
        Length += data.Length;
    }

    /// <summary>The hashes of everything appended.</summary>
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
        VerifyHashes(target, provider);
    }

    /// <summary>Throws IntegrityFailure when an expected hash does not match (the length is the caller's to check).</summary>
    public void VerifyHashes(string target, string provider) => HashVerification.Verify(_expected, Finish(), target, provider);

    public void Dispose()
    {
        _md5.Dispose();
        _sha256?.Dispose();
    }
}
