using CloudStorage.Core.Model;

namespace CloudStorage.Core.Hashing;

/// <summary>
/// A stream that says "I hash every byte I deliver; here are the hashes when you reach the end", so a writer that must
/// check hashes reuses them instead of hashing the bytes again. Implemented by <see cref="HashingStream"/> and by the
/// engine's read-ahead over one; a writer asks through <see cref="HashedStreams.For"/>, never by the stream's type.
/// </summary>
internal interface IHashedStream
{
    /// <summary>True when every byte this stream delivers, from its first, is in <see cref="GetHashes"/>.</summary>
    bool HashesEveryByte { get; }

    /// <summary>Bytes delivered to the reader so far; a writer reuses the hashes only when it gets the stream before any.</summary>
    long Delivered { get; }

    /// <summary>Whether SHA-256 is computed besides MD5 and CRC32C.</summary>
    bool IncludesSha256 { get; }

    /// <summary>
    /// The length and hashes of everything read; call once the stream has returned its end. The stream is at rest
    /// afterwards (a read-ahead stops its prefetch before answering), so the answer is final.
    /// </summary>
    (long Length, IReadOnlyList<ContentHash> Hashes) GetHashes();
}

/// <summary>The one rule for reusing a stream's hashes.</summary>
internal static class HashedStreams
{
    /// <summary>
    /// What a writer that must check hashes before it commits reads, and where it gets the hashes: the content itself
    /// when it is an <see cref="IHashedStream"/> that hashes every byte, has delivered none yet and computes what is
    /// asked; otherwise a new <see cref="HashingStream"/> over the content, which the caller owns (<c>Owned</c>) and
    /// disposes. Read <c>Read</c> to its end before asking <c>Hashes</c>.
    /// </summary>
    public static (Stream Read, IHashedStream Hashes, bool Owned) For(Stream content, bool includeSha256)
    {
        if (content is IHashedStream { HashesEveryByte: true, Delivered: 0 } hashed && (hashed.IncludesSha256 || !includeSha256))
            return (content, hashed, false);
        var own = new HashingStream(content, includeSha256, leaveOpen: true);
        return (own, own, true);
    }
}
