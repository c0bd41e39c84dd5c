using System.Text;

namespace CloudStorage.Core.Addressing;

/// <summary>
/// Orders keys by their UTF-8 bytes (code point order), the order S3 and GCS list in and the order of every listing
/// the engine sees (Azure lists in UTF-16 order; see <see cref="ListingOrder"/>). Ordinal UTF-16 comparison differs
/// for characters above U+E000 against surrogate pairs, which would break sync's merge of two listings.
/// </summary>
public sealed class KeyComparer : IComparer<string>
{
    /// <summary>The shared instance.</summary>
    public static KeyComparer Instance { get; } = new();

    /// <inheritdoc />
    public int Compare(string? x, string? y)
    {
        if (ReferenceEquals(x, y)) return 0;
        if (x is null) return -1;
        if (y is null) return 1;
        int i = 0, j = 0;
        while (i < x.Length && j < y.Length)
        {
            var rx = Rune.GetRuneAt(x, i);
            var ry = Rune.GetRuneAt(y, j);
            // Code point order equals UTF-8 byte order.
            if (rx.Value != ry.Value) return rx.Value < ry.Value ? -1 : 1;
            i += rx.Utf16SequenceLength;
            j += ry.Utf16SequenceLength;
        }
        return (x.Length - i).CompareTo(y.Length - j);
    }
}
