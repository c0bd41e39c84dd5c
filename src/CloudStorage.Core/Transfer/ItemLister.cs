using System.Runtime.CompilerServices;
using CloudStorage.Core.Addressing;
using CloudStorage.Core.Errors;
using CloudStorage.Core.Model;

namespace CloudStorage.Core.Transfer;

/// <summary>What Get-StorageItem asks for.</summary>
internal sealed record ItemQuery
{
    /// <summary>Everything below the prefix instead of one level.</summary>
    public bool Recurse { get; init; }

    /// <summary>A wildcard on <see cref="StorageItem.Name"/>; null for all.</summary>
    public string? Filter { get; init; }

    /// <summary>Stop after this many items (listing stops fetching pages too).</summary>
    public int? First { get; init; }
}

/// <summary>Lists and expands addresses the way the cmdlets present them.</summary>
internal static class ItemLister
{
    /// <summary>
    /// An object address yields that object; a prefix or folder address yields its children (one level with
    /// prefix entries, or every object with <see cref="ItemQuery.Recurse"/>). NotFound when neither exists.
    /// </summary>
    public static async IAsyncEnumerable<StorageItem> GetItemsAsync(StorageLocation location, ItemQuery query,
        [EnumeratorCancellation] CancellationToken ct = default)
    {
        var filter = query.Filter is null ? null : Wildcard.ToRegex(query.Filter);
        var remaining = query.First ?? int.MaxValue;
        if (remaining <= 0) yield break;

        if (!location.IsPrefixOnly)
        {
            var item = await location.Provider.StatAsync(location.Key, ct).ConfigureAwait(false);
            if (item is not null)
            {
                if (filter is null || filter.IsMatch(item.Name)) yield return item;
                yield break;
            }
        }

        var request = new ListRequest
        {
            Prefix = location.AsPrefix,
            Delimiter = query.Recurse ? null : "/",
            // Without a filter, -First bounds the page too, so a big prefix costs one small request.
            PageSize = filter is null && query.First is { } first
                ? Math.Min(first, location.Provider.Capabilities.MaxListPageSize)
                : null,
        };
        var any = false;
        await foreach (var item in location.Provider.ListAsync(request, ct).ConfigureAwait(false))
        {
            any = true;
            if (filter is not null && !filter.IsMatch(item.Name)) continue;
            yield return item;
            if (--remaining == 0) yield break;
        }
        if (!any && !location.IsPrefixOnly)
            throw StorageException.NotFound(location.Uri, location.Provider.Name);
    }

    /// <summary>
    /// The objects an operation on <paramref name="location"/> concerns, each with its key relative to the
    /// location: the object itself (relative key = its name), or with <paramref name="recurse"/> every object
    /// under the prefix. A prefix without <paramref name="recurse"/> is InvalidArgument; nothing at all is NotFound.
    /// </summary>
    public static async IAsyncEnumerable<(StorageItem Item, string RelativeKey)> ExpandAsync(StorageLocation location, bool recurse,
        [EnumeratorCancellation] CancellationToken ct = default)
    {
        if (!location.IsPrefixOnly)
        {
            var item = await location.Provider.StatAsync(location.Key, ct).ConfigureAwait(false);
            if (item is not null)
            {
                yield return (item, item.Name);
                yield break;
            }
        }
        var prefix = location.AsPrefix;
        var any = false;
        await foreach (var item in location.Provider.ListAsync(new ListRequest { Prefix = prefix, PageSize = recurse ? null : 1 }, ct).ConfigureAwait(false))
        {
            if (!recurse)
                throw new StorageException(StorageErrorKind.InvalidArgument,
                    $"'{location.Uri}' is a prefix (folder), not an object; use -Recurse to include everything under it.", location.Uri, location.Provider.Name);
            any = true;
            yield return (item, item.Key[prefix.Length..]);
        }
        if (!any && !location.IsPrefixOnly)
            throw StorageException.NotFound(location.Uri, location.Provider.Name);
    }
}
