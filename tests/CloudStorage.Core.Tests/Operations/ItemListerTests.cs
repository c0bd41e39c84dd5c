using CloudStorage.Core.Errors;
using CloudStorage.Core.Transfer;

namespace CloudStorage.Core.Tests.Operations;

public class ItemListerTests
{
    private static async Task<global::CloudStorage.Core.Providers.Memory.MemoryStorageProvider> TreeAsync()
    {
        var p = Mem.Store();
        foreach (var k in new[] { "logs/a.log", "logs/b.txt", "logs/2024/c.log", "logs/2024/d.log", "other" }) await p.PutAsync(k, k);
        return p;
    }

    [Fact]
    public async Task An_object_address_yields_the_object()
    {
        var p = await TreeAsync();
        var item = Assert.Single(await ItemLister.GetItemsAsync(p.At("logs/a.log"), new ItemQuery()).ToListAsync());
        Assert.Equal("logs/a.log", item.Key);
    }

    [Fact]
    public async Task A_folder_address_lists_one_level_with_prefixes()
    {
        var p = await TreeAsync();
        var items = await ItemLister.GetItemsAsync(p.At("logs"), new ItemQuery()).ToListAsync();
        Assert.Equal(["logs/2024/", "logs/a.log", "logs/b.txt"], items.Select(i => i.Key).ToArray());
        Assert.True(items[0].IsPrefix);
    }

    [Fact]
    public async Task Recurse_lists_every_object_below()
    {
        var p = await TreeAsync();
        var items = await ItemLister.GetItemsAsync(p.At("logs/"), new ItemQuery { Recurse = true }).ToListAsync();
        Assert.Equal(4, items.Count);
        Assert.DoesNotContain(items, i => i.IsPrefix);
    }

    [Fact]
    public async Task Filter_matches_names_and_First_stops_early()
    {
        var p = await TreeAsync();
        var logs = await ItemLister.GetItemsAsync(p.At("logs/"), new ItemQuery { Recurse = true, Filter = "*.log" }).ToListAsync();
        Assert.Equal(3, logs.Count);
        var first = await ItemLister.GetItemsAsync(p.At("logs/"), new ItemQuery { Recurse = true, Filter = "*.log", First = 2 }).ToListAsync();
        Assert.Equal(2, first.Count);
        var one = await ItemLister.GetItemsAsync(p.At(""), new ItemQuery { Recurse = true, First = 1 }).ToListAsync();
        Assert.Single(one);
    }

    [Fact]
    public async Task A_missing_address_is_NotFound_but_an_empty_root_is_empty()
    {
        var p = await TreeAsync();
        var ex = await Assert.ThrowsAsync<StorageException>(() => ItemLister.GetItemsAsync(p.At("nothing"), new ItemQuery()).ToListAsync());
        Assert.Equal(StorageErrorKind.NotFound, ex.Kind);
        Assert.Empty(await ItemLister.GetItemsAsync(Mem.Store().At(""), new ItemQuery()).ToListAsync());
    }

    [Fact]
    public async Task Expand_of_a_prefix_without_recurse_is_refused_and_with_recurse_gives_relative_keys()
    {
        var p = await TreeAsync();
        var ex = await Assert.ThrowsAsync<StorageException>(() => ItemLister.ExpandAsync(p.At("logs"), recurse: false).ToListAsync());
        Assert.Equal(StorageErrorKind.InvalidArgument, ex.Kind);
        Assert.Contains("-Recurse", ex.Message);
        var all = await ItemLister.ExpandAsync(p.At("logs"), recurse: true).ToListAsync();
        Assert.Equal(["2024/c.log", "2024/d.log", "a.log", "b.txt"], all.Select(x => x.RelativeKey).ToArray());
        var single = Assert.Single(await ItemLister.ExpandAsync(p.At("logs/a.log"), recurse: false).ToListAsync());
        Assert.Equal("a.log", single.RelativeKey);
    }
}
