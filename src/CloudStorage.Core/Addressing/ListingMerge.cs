using System.Runtime.CompilerServices;
using CloudStorage.Core.Errors;
using CloudStorage.Core.Model;

namespace CloudStorage.Core.Addressing;

/// <summary>One key of two merged listings: the object on each side (null where that side lacks it), by relative key.</summary>
internal readonly record struct MergedEntry(string Key, StorageItem? Left, StorageItem? Right);

/// <summary>
/// The one walker over two listings sorted by <see cref="KeyComparer"/> (rclone's <c>march</c>), used by sync and by
/// integrity checks: one pass, constant memory per object, each key once with what each side has. Both listings are
/// checked as they stream: a key that does not sort after the one before it on the same side (out of order, or twice)
/// stops the walk with Conflict, because a merge of unsorted listings would report objects missing that exist.
/// </summary>
internal static class ListingMerge
{
    /// <summary>
    /// Merges the objects under <paramref name="left"/> and <paramref name="right"/> (their <see cref="StorageLocation.AsPrefix"/>),
    /// everything below with <paramref name="recursive"/>, else one level; prefix entries are skipped.
    /// </summary>
    public static async IAsyncEnumerable<MergedEntry> MergeAsync(StorageLocation left, StorageLocation right, bool recursive,
        [EnumeratorCancellation] CancellationToken ct = default)
    {
        var lPrefix = left.AsPrefix;
        var rPrefix = right.AsPrefix;
        ListRequest Request(string prefix) => recursive ? ListRequest.Recursive(prefix) : ListRequest.OneLevel(prefix);
        await using var l = new Side(left, left.Provider.ListAsync(Request(lPrefix), ct), lPrefix);
        await using var r = new Side(right, right.Provider.ListAsync(Request(rPrefix), ct), rPrefix);
        await l.NextAsync().ConfigureAwait(false);
        await r.NextAsync().ConfigureAwait(false);
        while (l.Current is not null || r.Current is not null)
        {
            var order = l.Current is null ? 1 : r.Current is null ? -1 : KeyComparer.Instance.Compare(l.Key, r.Key);
            if (order < 0)
            {
                yield return new MergedEntry(l.Key!, l.Current, null);
                await l.NextAsync().ConfigureAwait(false);
            }
            else if (order > 0)
            {
                yield return new MergedEntry(r.Key!, null, r.Current);
                await r.NextAsync().ConfigureAwait(false);
            }
            else
            {
                yield return new MergedEntry(l.Key!, l.Current, r.Current);
                await l.NextAsync().ConfigureAwait(false);
                await r.NextAsync().ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// Merges several listings, each sorted by <see cref="KeyComparer"/>, into one in key order, prefix entries included
    /// (one entry for a prefix several listings report); each listing is checked as it streams, as for two. Serves the
    /// routed provider, whose routes each list their share of a prefix.
    /// </summary>
    internal static async IAsyncEnumerable<StorageItem> MergeSortedAsync(IReadOnlyList<(StorageLocation Where, IAsyncEnumerable<StorageItem> Items)> listings,
        [EnumeratorCancellation] CancellationToken ct = default)
    {
        var sides = listings.Select(l => new Side(l.Where, l.Items, "", includePrefixes: true)).ToList();
        try
        {
            foreach (var side in sides) await side.NextAsync().ConfigureAwait(false);
            while (true)
            {
                Side? least = null;
                foreach (var side in sides)
                    if (side.Current is not null && (least is null || Order(side.Current, least.Current!) < 0)) least = side;
                if (least is null) yield break;
                var item = least.Current!;
                yield return item;
                // The same prefix (or key) from other listings is the same entry: each is passed once.
                foreach (var side in sides)
                    if (side.Current is not null && Order(side.Current, item) == 0) await side.NextAsync().ConfigureAwait(false);
            }
        }
        finally
        {
            foreach (var side in sides) await side.DisposeAsync().ConfigureAwait(false);
        }
    }

    // Key order; an object sorts before a prefix entry of the same key ("a/" the object, then "a/" the prefix).
    private static int Order(StorageItem a, StorageItem b)
    {
        var c = KeyComparer.Instance.Compare(a.Key, b.Key);
        return c != 0 ? c : a.IsPrefix.CompareTo(b.IsPrefix);
    }

    /// <summary>One listing in hand: its current object and relative key, checked to ascend.</summary>
    private sealed class Side(StorageLocation location, IAsyncEnumerable<StorageItem> listing, string prefix, bool includePrefixes = false) : IAsyncDisposable
    {
        private bool _currentIsPrefix;

        private readonly IAsyncEnumerator<StorageItem> _items = listing.GetAsyncEnumerator();

        public StorageItem? Current { get; private set; }
        public string? Key { get; private set; }

        public async Task NextAsync()
        {
            while (await _items.MoveNextAsync().ConfigureAwait(false))
            {
                var item = _items.Current;
                if (item.IsPrefix && !includePrefixes) continue;
                var key = item.Key.StartsWith(prefix, StringComparison.Ordinal) ? item.Key[prefix.Length..] : item.Key;
                var order = Key is null ? -1 : KeyComparer.Instance.Compare(Key, key);
                // Ascending; one key twice only as an object followed by the prefix entry of the same name.
                if (order > 0 || (order == 0 && !(includePrefixes && !_currentIsPrefix && item.IsPrefix)))
                    throw new StorageException(StorageErrorKind.Conflict,
                        $"The listing of '{location.Uri}' was not in key order ('{Key}' came before '{key}'); stopped before acting on it.",
                        location.Uri, location.Provider.Name);
                Current = item;
                Key = key;
                _currentIsPrefix = item.IsPrefix;
                return;
            }
            Current = null;
        }

        public ValueTask DisposeAsync() => _items.DisposeAsync();
    }
}
