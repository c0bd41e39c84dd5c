namespace CloudStorage.Core.Model;

/// <summary>A byte range to read: from <see cref="Offset"/>, <see cref="Length"/> bytes or to the end when null.</summary>
public readonly record struct ByteRange
{
    /// <summary>Creates a range, validating its bounds.</summary>
    public ByteRange(long offset, long? length = null)
    {
        if (offset < 0) throw new ArgumentOutOfRangeException(nameof(offset), "Offset must not be negative.");
        if (length < 0) throw new ArgumentOutOfRangeException(nameof(length), "Length must not be negative.");
        Offset = offset;
        Length = length;
    }

    /// <summary>First byte to read.</summary>
    public long Offset { get; }

    /// <summary>Bytes to read, or null for "to the end".</summary>
    public long? Length { get; }

    /// <summary>Clamps the range to an object of the given size: (start, count).</summary>
    public (long Start, long Count) Resolve(long size)
    {
        var start = Math.Min(Offset, size);
        var count = Length is { } l ? Math.Min(l, size - start) : size - start;
        return (start, count);
    }

    /// <summary>An HTTP Range header value (<c>bytes=0-99</c>).</summary>
    public string ToHttpRange() => Length is { } l ? $"bytes={Offset}-{Offset + l - 1}" : $"bytes={Offset}-";
}
