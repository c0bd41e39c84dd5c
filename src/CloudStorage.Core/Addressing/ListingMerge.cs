using System.Runtime.CompilerServices;
using CloudStorage.Errors;
using CloudStorage.Model;

namespace CloudStorage.Addressing;

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

    /// <summary>One listing in hand: its current object and relative key, checked to ascend.</summary>
    private sealed class Side(StorageLocation location, IAsyncEnumerable<StorageItem> listing, string prefix) : IAsyncDisposable
    {
        private readonly IAsyncEnumerator<StorageItem> _items = listing.GetAsyncEnumerator();

        public StorageItem? Current { get; private set; }
        public string? Key { get; private set; }

        public async Task NextAsync()
        {
            while (await _items.MoveNextAsync().ConfigureAwait(false))
            {
                var item = _items.Current;
                if (item.IsPrefix) continue;
                var key = item.Key.StartsWith(prefix, StringComparison.Ordinal) ? item.Key[prefix.Length..] : item.Key;
                if (Key is not null && KeyComparer.Instance.Compare(Key, key) >= 0)
                    throw new StorageException(StorageErrorKind.Conflict,
                        $"The listing of '{location.Uri}' was not in key order ('{Key}' came before '{key}'); stopped before acting on it.",
                        location.Uri, location.Provider.Name);
                Current = item;
                Key = key;
                return;
            }
            Current = null;
        }

        public ValueTask DisposeAsync() => _items.DisposeAsync();
    }
}
