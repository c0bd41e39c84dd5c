using System.Security.Cryptography;

namespace CloudStorage.Core.Model;

/// <summary>A content hash: the algorithm and its raw bytes, shown as lowercase hex.</summary>
public sealed class ContentHash : IEquatable<ContentHash>
{
    private readonly byte[] _value;

    /// <summary>Creates a hash from raw bytes.</summary>
    public ContentHash(HashAlgorithmKind algorithm, ReadOnlySpan<byte> value)
    {
        if (value.Length != ExpectedLength(algorithm))
            throw new ArgumentException($"A {algorithm} hash has {ExpectedLength(algorithm)} bytes, not {value.Length}.", nameof(value));
        Algorithm = algorithm;
        _value = value.ToArray();
    }

    /// <summary>The algorithm.</summary>
    public HashAlgorithmKind Algorithm { get; }

    /// <summary>Lowercase hexadecimal form.</summary>
    public string Hex => Convert.ToHexString(_value).ToLowerInvariant();

    /// <summary>Base64 form (as in Content-MD5 and GCS's md5Hash/crc32c).</summary>
    public string Base64 => Convert.ToBase64String(_value);

    /// <summary>A copy of the raw bytes.</summary>
    public byte[] GetBytes() => (byte[])_value.Clone();

    /// <summary>The length in bytes of a hash of this algorithm.</summary>
    public static int ExpectedLength(HashAlgorithmKind algorithm) => algorithm switch
    {
        HashAlgorithmKind.MD5 => 16,
        HashAlgorithmKind.CRC32C => 4,
        HashAlgorithmKind.SHA256 => 32,
        _ => throw new ArgumentOutOfRangeException(nameof(algorithm)),
    };

    /// <summary>Parses hex (any case) or base64 text.</summary>
    public static ContentHash Parse(HashAlgorithmKind algorithm, string text)
    {
        if (!TryParse(algorithm, text, out var hash))
            throw new FormatException($"'{text}' is not a {algorithm} hash in hex or base64.");
        return hash!;
    }

    /// <summary>Parses hex (any case) or base64 text; false when neither fits the algorithm's length.</summary>
    public static bool TryParse(HashAlgorithmKind algorithm, string? text, out ContentHash? hash)
    {
        hash = null;
        if (string.IsNullOrWhiteSpace(text)) return false;
        text = text.Trim().Trim('"');
        var len = ExpectedLength(algorithm);
        if (text.Length == len * 2)
        {
            try { hash = new ContentHash(algorithm, Convert.FromHexString(text)); return true; }
            catch (FormatException) { }
        }
        Span<byte> buf = stackalloc byte[64];
        if (Convert.TryFromBase64String(text, buf, out var n) && n == len)
        {
            hash = new ContentHash(algorithm, buf[..n]);
            return true;
        }
        return false;
    }

    /// <summary>Computes a hash of a byte span.</summary>
    public static ContentHash Compute(HashAlgorithmKind algorithm, ReadOnlySpan<byte> data) => algorithm switch
    {
        HashAlgorithmKind.MD5 => new ContentHash(algorithm, MD5.HashData(data)),
        HashAlgorithmKind.SHA256 => new ContentHash(algorithm, SHA256.HashData(data)),
        HashAlgorithmKind.CRC32C => new ContentHash(algorithm, Hashing.Crc32C.HashToBigEndian(data)),
        _ => throw new ArgumentOutOfRangeException(nameof(algorithm)),
    };

    /// <inheritdoc />
    public bool Equals(ContentHash? other) =>
        other is not null && other.Algorithm == Algorithm && other._value.AsSpan().SequenceEqual(_value);

    /// <inheritdoc />
    public override bool Equals(object? obj) => Equals(obj as ContentHash);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Algorithm, BitConverter.ToInt32(_value.Length >= 4 ? _value : new byte[4]));

    /// <summary><c>MD5:0123...</c></summary>
    public override string ToString() => $"{Algorithm}:{Hex}";
}
