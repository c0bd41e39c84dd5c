using CloudStorage.Core.Addressing;
using CloudStorage.Core.Model;

namespace CloudStorage.Core.Tests.Addressing;

public class ListingOrderTests
{
    private static StorageItem Item(string key, bool prefix = false) =>
        new() { ProviderName = "t", Key = key, Uri = "t:" + key, IsPrefix = prefix };

    private static async Task<List<string>> Reorder(IEnumerable<string> keys)
    {
        var list = new List<string>();
        await foreach (var item in ListingOrder.FromUtf16Order(ToAsync(keys.Select(k => Item(k))))) list.Add(item.Key);
        return list;
    }

    private static async IAsyncEnumerable<StorageItem> ToAsync(IEnumerable<StorageItem> items, Action<StorageItem>? onYield = null)
    {
        foreach (var item in items)
        {
            onYield?.Invoke(item);
            yield return item;
            await Task.Yield();
        }
    }

    [Fact]
    public async Task A_key_beyond_UFFFF_moves_after_keys_with_U_E000_to_U_FFFF_as_UTF8_orders_them()
    {
        // UTF-16 order: the emoji (surrogates D83D ...) sorts before U+FF61; UTF-8 order: after it.
        string[] utf16 = ["a.txt", "b/z.txt", "b/\U0001F600.txt", "b/\uFF61.txt", "c"];
        Assert.Equal(utf16, utf16.Order(StringComparer.Ordinal));
        Assert.Equal(["a.txt", "b/z.txt", "b/\uFF61.txt", "b/\U0001F600.txt", "c"], await Reorder(utf16));
    }

    [Fact]
    public async Task Random_listings_come_out_in_UTF8_order_whatever_their_UTF16_order()
    {
        string[] atoms = ["a", "z", "/", "\u00E9", "\uD7FF", "\uE000", "\uFF61", "\uFFFD", "\U0001F600", "\U0001F4C1", "\U00010000"];
        var random = new Random(20261121);
        for (var round = 0; round < 300; round++)
        {
            var keys = Enumerable.Range(0, random.Next(1, 40))
                .Select(_ => string.Concat(Enumerable.Range(0, random.Next(1, 5)).Select(_ => atoms[random.Next(atoms.Length)])))
                .Distinct().ToList();
            var utf16 = keys.Order(StringComparer.Ordinal).ToList();
            var expected = keys.Order(KeyComparer.Instance).ToList();
            Assert.Equal(expected, await Reorder(utf16));
        }
    }

    [Fact]
    public async Task Listings_without_characters_beyond_UFFFF_stream_with_nothing_held()
    {
        var keys = Enumerable.Range(0, 1000).Select(i => $"k{i:D5}\uFF61").ToList();
        var produced = 0;
        var maxAhead = 0;
        var consumed = 0;
        await foreach (var _ in ListingOrder.FromUtf16Order(ToAsync(keys.Select(k => Item(k)), _ => produced++)))
        {
            consumed++;
            maxAhead = Math.Max(maxAhead, produced - consumed);
        }
        Assert.Equal(1000, consumed);
        Assert.Equal(0, maxAhead);
    }

    [Fact]
    public async Task An_object_and_a_prefix_with_one_key_both_come_through_in_arrival_order()
    {
        var items = new[] { Item("a/", prefix: true), Item("a/"), Item("b") };
        var result = new List<StorageItem>();
        await foreach (var item in ListingOrder.FromUtf16Order(ToAsync(items))) result.Add(item);
        Assert.Equal([("a/", true), ("a/", false), ("b", false)], result.Select(i => (i.Key, i.IsPrefix)));
    }

    [Theory]
    [InlineData("plain", "plain", true)]
    [InlineData("x/\U0001F600y", "x/\uE000", false)]
    [InlineData("\U0001F600", "\uE000", false)]
    public void The_lower_bound_stops_at_the_first_surrogate(string key, string bound, bool inclusive) =>
        Assert.Equal((bound, inclusive), ListingOrder.LowerBound(key));
}
