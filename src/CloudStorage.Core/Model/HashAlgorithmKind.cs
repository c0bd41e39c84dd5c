namespace CloudStorage.Core.Model;

/// <summary>The content hashes the engine knows how to compute and compare.</summary>
public enum HashAlgorithmKind
{
    /// <summary>MD5, 16 bytes (S3 single-part ETags, Azure Content-MD5, GCS md5Hash).</summary>
    MD5,
    /// <summary>CRC-32C (Castagnoli), 4 bytes big-endian (GCS crc32c, S3 checksum).</summary>
    CRC32C,
    /// <summary>SHA-256, 32 bytes.</summary>
    SHA256,
}
