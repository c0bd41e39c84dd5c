using System.Security.Cryptography;
using CloudStorage.Core.Errors;
using CloudStorage.Core.Hashing;
using CloudStorage.Core.Model;

namespace CloudStorage.Providers.Common;

/// <summary>
/// Hashes an upload as its parts (S3), blocks (Azure) or chunks (GCS) are read: MD5 always (stored with the object, or as the blob's Content-MD5), CRC-32C
/// when the caller expects it or the service reports it (GCS), SHA-256 only when the caller expects it. Checked before the object is committed, so a mismatch
/// stores nothing. Over a source that hashes every byte it delivers (the engine's hashed read-ahead, <see cref="IHashedStream"/>), the source's hashes
/// serve and no byte is hashed twice (<see cref="For"/>).
/// </summary>
internal sealed class UploadHasher : IDisposable
{
    private readonly IncrementalHash? _md5;
    private readonly IncrementalHash? _sha256;
    private readonly Crc32C? _crc;
    private readonly IReadOnlyList<ContentHash>? _expected;
    private readonly IHashedStream? _source;
    private readonly bool _wantSha256;
    private readonly bool _wantCrc32C;
    private ContentHash[]? _final;

    public UploadHasher(IReadOnlyList<ContentHash>? expected, bool alwaysCrc32C = false) : this(expected, alwaysCrc32C, null) { }

    private UploadHasher(IReadOnlyList<ContentHash>? expected, bool alwaysCrc32C, IHashedStream? source)
    {
        _expected = expected;
        _source = source;
        _wantSha256 = expected?.Any(h => h.Algorithm == HashAlgorithmKind.SHA256) == true;
        _wantCrc32C = alwaysCrc32C || expected?.Any(h => h.Algorithm == HashAlgorithmKind.CRC32C) == true;
        if (source is not null) return;
        _md5 = IncrementalHash.CreateHash(HashAlgorithmName.MD5);
        if (_wantSha256) _sha256 = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        if (_wantCrc32C) _crc = new Crc32C();
    }

    /// <summary>
    /// A hasher for an upload that reads <paramref name="content"/> from its start: when the content hashes every byte it
    /// delivers and computes what is needed (<see cref="HashedStreams"/>' rule), its hashes are taken at the end instead of
    /// hashing the bytes a second time; otherwise the bytes appended are hashed here.
    /// </summary>
    public static UploadHasher For(Stream content, IReadOnlyList<ContentHash>? expected, bool alwaysCrc32C = false)
    {
        var sha256 = expected?.Any(h => h.Algorithm == HashAlgorithmKind.SHA256) == true;
        return content is IHashedStream { HashesEveryByte: true, Delivered: 0 } hashed && (hashed.IncludesSha256 || !sha256)
            ? new UploadHasher(expected, alwaysCrc32C, hashed)
            : new UploadHasher(expected, alwaysCrc32C);
    }

    /// <summary>True when the source's own hashes are used (nothing is hashed here).</summary>
    public bool ReusesSourceHashes => _source is not null;

    /// <summary>Bytes hashed so far.</summary>
    public long Length { get; private set; }

    /// <summary>The MD5 the caller promised, when it did (known before any byte is sent).</summary>
    public ContentHash? ExpectedMd5 => _expected?.FirstOrDefault(h => h.Algorithm == HashAlgorithmKind.MD5);

    public void Append(ReadOnlySpan<byte> data)
    {
        _md5?.AppendData(data);
        _sha256?.AppendData(data);
        _crc?.Append(data);
        Length += data.Length;
    }

    /// <summary>The hashes of everything appended.</summary>
    public IReadOnlyList<ContentHash> Finish()
    {
        if (_final is not null) return _final;
        if (_source is not null) return _final = FromSource(_source);
        var list = new List<ContentHash> { new(HashAlgorithmKind.MD5, _md5!.GetHashAndReset()) };
        if (_crc is not null) list.Add(new ContentHash(HashAlgorithmKind.CRC32C, _crc.GetCurrentHashBigEndian()));
        if (_sha256 is not null) list.Add(new ContentHash(HashAlgorithmKind.SHA256, _sha256.GetHashAndReset()));
        return _final = list.ToArray();
    }

    // The source's hashes, final once it has returned its end (the pipeline reads it to its end before it asks), in this
    // hasher's order: MD5 first, then CRC-32C and SHA-256 when wanted. A source that delivered other than the bytes
    // appended here cannot vouch for them.
    private ContentHash[] FromSource(IHashedStream source)
    {
        var (length, hashes) = source.GetHashes();
        if (length != Length)
            throw new StorageException(StorageErrorKind.IntegrityFailure,
                $"The upload's source delivered {length} bytes but {Length} were sent; nothing was stored.");
        ContentHash Pick(HashAlgorithmKind kind) => hashes.First(h => h.Algorithm == kind);
        var list = new List<ContentHash> { Pick(HashAlgorithmKind.MD5) };
        if (_wantCrc32C) list.Add(Pick(HashAlgorithmKind.CRC32C));
        if (_wantSha256) list.Add(Pick(HashAlgorithmKind.SHA256));
        return list.ToArray();
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
        _md5?.Dispose();
        _sha256?.Dispose();
    }
}
