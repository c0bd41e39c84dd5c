using System.Runtime.CompilerServices;
using CloudStorage.Core.Model;

namespace CloudStorage.Core.Addressing;

/// <summary>
/// Turns a listing in UTF-16 code-unit order (Azure Blob Storage's, and .NET's ordinal order) into the engine's order,
/// UTF-8 bytes (<see cref="KeyComparer"/>), as it streams. The two orders differ only where, after a common prefix, one
/// key has a character beyond U+FFFF (a surrogate pair in UTF-16: D800-DFFF) and the other a character in
/// U+E000-U+FFFF: UTF-16 puts the first before the second, UTF-8 after. So an item is held back only while a later
/// item could still sort before it; listings without characters beyond U+FFFF pass through with one item in hand.
/// Keys with such characters are held until the listing has moved past every key that could precede them (in the
/// worst case, many such keys under one prefix, until the listing ends).
/// </summary>
public static class ListingOrder
{
    /// <summary>The items of <paramref name="utf16Ordered"/> (sorted by ordinal UTF-16 key) in UTF-8 key order.</summary>
    public static async IAsyncEnumerable<StorageItem> FromUtf16Order(IAsyncEnumerable<StorageItem> utf16Ordered,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        // Held items in UTF-8 order; the sequence number keeps two entries with one key (an object "a/" and the
        // prefix "a/") both, in arrival order.
        var held = new SortedSet<(StorageItem Item, long Seq)>(Comparer<(StorageItem Item, long Seq)>.Create((a, b) =>
        {
            var c = KeyComparer.Instance.Compare(a.Item.Key, b.Item.Key);
            return c != 0 ? c : a.Seq.CompareTo(b.Seq);
        }));
        long seq = 0;
        await foreach (var item in utf16Ordered.WithCancellation(cancellationToken).ConfigureAwait(false))
        {
            held.Add((item, seq++));
            // Every later item f has f >= item in UTF-16 order, hence f >= LowerBound(item) in UTF-8 order.
            var (bound, inclusive) = LowerBound(item.Key);
            while (held.Count > 0)
            {
                var first = held.Min;
                var c = KeyComparer.Instance.Compare(first.Item.Key, bound);
                if (c > 0 || (c == 0 && !inclusive)) break;
                held.Remove(first);
                yield return first.Item;
            }
        }
        foreach (var (item, _) in held) yield return item;
    }

    /// <summary>
    /// The least key, in UTF-8 order, that an item listed after <paramref name="key"/> in UTF-16 order can have: the
    /// key itself when it has no surrogate pair; otherwise the text before its first surrogate followed by U+E000
    /// (a later key may differ there with a character of U+E000-U+FFFF, which UTF-8 puts first). Inclusive: items
    /// equal to the bound may go.
    /// </summary>
    internal static (string Bound, bool Inclusive) LowerBound(string key)
    {
        for (var i = 0; i < key.Length; i++)
            if (char.IsSurrogate(key[i])) return (string.Concat(key.AsSpan(0, i), "\uE000"), false);
        return (key, true);
    }
}
