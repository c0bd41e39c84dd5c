using CloudStorage.Core.Model;

namespace CloudStorage.Core.Tests.Conformance;

// Listing: order, prefixes, delimiters, pagination, early stop, cancellation.
public abstract partial class ProviderConformanceTests
{
    [Fact]
    public async Task Listing_an_empty_provider_yields_nothing()
    {
        Assert.Empty(await ListKeysAsync());
        Assert.Empty(await ListKeysAsync(delimiter: "/"));
    }

    [Fact]
    public async Task Listing_returns_every_key_once_in_UTF8_byte_order()
    {
        // '-' < '.' < '/' < '0' decides "a-b" < "a.txt" < "a/x" < "a0"; U+FF61 sorts before U+1F600 in UTF-8
        // although its UTF-16 code unit is larger than the surrogate's.
        string[] expected =
        [
            "C", "_", "a b", "a-b", "a.txt", "a/x", "a0", "b", "\u00e9.txt", "\uff61.txt", "\U0001F600.txt",
        ];
        await PutAllAsync(expected.Reverse());

        var keys = await ListKeysAsync();

        Assert.Equal(expected, keys);
        Assert.Equal(SortedByKey(keys), keys);
    }

    [Fact]
    public async Task Listed_objects_carry_their_size_and_addressing()
    {
        await PutAsync("sizes/one.bin", RandomBytes(1));
        await PutAsync("sizes/nested/thousand.bin", RandomBytes(1000));

        var items = await ListAsync(ListRequest.Recursive("sizes/"));

        Assert.Equal(["sizes/nested/thousand.bin", "sizes/one.bin"], items.Select(i => i.Key));
        Assert.Equal([1000L, 1L], items.Select(i => i.Size));
        Assert.All(items, i => Assert.False(i.IsPrefix));
        Assert.All(items, i => AssertItemAddressing(i, i.Key));
        Assert.All(items, i => Assert.NotNull(i.LastModified));
    }

    [Fact]
    public async Task Listed_objects_agree_with_stat()
    {
        await PutAsync("agree/a.txt", "alpha");

        var listed = Assert.Single(await ListAsync(ListRequest.Recursive("agree/")));
        var stat = await Provider.StatAsync("agree/a.txt");

        Assert.Equal(stat!.Size, listed.Size);
        Assert.Equal(stat.ETag, listed.ETag);
        Assert.Equal(stat.LastModified, listed.LastModified);
    }

    [Fact]
    public async Task Listing_with_a_prefix_returns_only_keys_starting_with_it()
    {
        await PutAllAsync(["docs/a.txt", "docs/sub/b.txt", "docsx/c.txt", "doc.txt", "other/d.txt"]);

        Assert.Equal(["docs/a.txt", "docs/sub/b.txt"], await ListKeysAsync("docs/"));
        Assert.Equal(["docs/a.txt", "docs/sub/b.txt", "docsx/c.txt"], await ListKeysAsync("docs"));
        Assert.Equal(["doc.txt", "docs/a.txt", "docs/sub/b.txt", "docsx/c.txt"], await ListKeysAsync("doc"));
    }

    [Fact]
    public async Task Listing_with_a_prefix_ending_mid_name_matches_partial_names()
    {
        await PutAllAsync(["logs/2023-12.txt", "logs/2024-01.txt", "logs/2024-02.txt", "logs/2024/x.txt", "logs/20245.txt"]);

        Assert.Equal(["logs/2024-01.txt", "logs/2024-02.txt"], await ListKeysAsync("logs/2024-"));
        Assert.Equal(["logs/2024-01.txt", "logs/2024-02.txt", "logs/2024/x.txt", "logs/20245.txt"], await ListKeysAsync("logs/2024"));
    }

    [Fact]
    public async Task Listing_with_a_prefix_equal_to_a_key_includes_that_key()
    {
        await PutAllAsync(["exact.txt", "exact.txt2", "exact.tx"]);

        Assert.Equal(["exact.txt", "exact.txt2"], await ListKeysAsync("exact.txt"));
    }

    [Fact]
    public async Task Listing_an_unknown_prefix_yields_nothing()
    {
        await PutAllAsync(["known/a.txt", "known.txt"]);

        Assert.Empty(await ListKeysAsync("unknown/"));
        Assert.Empty(await ListKeysAsync("zzz"));
        Assert.Empty(await ListKeysAsync("known/a.txt/"));
        Assert.Empty(await ListKeysAsync("unknown/", "/"));
    }

    [Fact]
    public async Task Recursive_listing_descends_into_every_level()
    {
        string[] keys = ["r/1.txt", "r/a/2.txt", "r/a/b/3.txt", "r/a/b/c/4.txt", "r/z.txt"];
        await PutAllAsync(keys);

        Assert.Equal(keys, await ListKeysAsync("r/"));
    }

    [Fact]
    public async Task Listing_with_delimiter_rolls_up_prefixes_once_each_sorted_among_objects()
    {
        await PutAllAsync(["a-b.txt", "a/1.txt", "a/2/x.txt", "a/2/y.txt", "a.txt", "b/1.txt", "c.txt", "d/e/f.txt"]);

        var items = await ListAsync(ListRequest.OneLevel());

        Assert.Equal(["a-b.txt", "a.txt", "a/", "b/", "c.txt", "d/"], items.Select(i => i.Key));
        Assert.Equal([false, false, true, true, false, true], items.Select(i => i.IsPrefix));
        Assert.All(items.Where(i => i.IsPrefix), p => Assert.Equal(0, p.Size));
        Assert.All(items, i => AssertItemAddressing(i, i.Key));
    }

    [Fact]
    public async Task Listing_with_delimiter_under_a_prefix_lists_one_level()
    {
        await PutAllAsync(["a/1.txt", "a/2/x.txt", "a/2/y.txt", "a/3/deep/z.txt", "b/1.txt"]);

        Assert.Equal(["a/1.txt", "a/2/", "a/3/"], await ListKeysAsync("a/", "/"));
    }

    [Fact]
    public async Task Nested_prefixes_list_level_by_level()
    {
        await PutAllAsync(["n/b/c/d.txt", "n/b/c2.txt", "n/b0.txt"]);

        Assert.Equal(["n/"], await ListKeysAsync("", "/"));
        Assert.Equal(["n/b/", "n/b0.txt"], await ListKeysAsync("n/", "/"));
        Assert.Equal(["n/b/c/", "n/b/c2.txt"], await ListKeysAsync("n/b/", "/"));
        Assert.Equal(["n/b/c/d.txt"], await ListKeysAsync("n/b/c/", "/"));
    }

    [Fact]
    public async Task Listing_with_delimiter_and_a_mid_name_prefix_rolls_up_matching_folders()
    {
        await PutAllAsync(["photos/2024-01/a.jpg", "photos/2024-02/b.jpg", "photos/2024.txt", "photos/2025-01/c.jpg", "photos/2024-02/sub/d.jpg"]);

        Assert.Equal(["photos/2024-01/", "photos/2024-02/", "photos/2024.txt"], await ListKeysAsync("photos/2024", "/"));
    }

    [Fact]
    public async Task Listing_with_a_non_slash_delimiter_rolls_up_on_it()
    {
        string[] keys = ["x-1-a.txt", "x-1-b.txt", "x-2.txt", "y.txt", "z/w-1.txt"];
        await PutAllAsync(keys);

        Assert.Equal(["x-", "y.txt", "z/w-"], await ListKeysAsync("", "-"));
        Assert.Equal(["x-1-", "x-2.txt"], await ListKeysAsync("x-", "-"));
        Assert.Equal(ExpectedListing(keys, "", "-"), await ListKeysAsync("", "-"));
    }

    [Fact]
    public async Task Listing_does_not_show_a_folder_whose_last_object_was_deleted()
    {
        await PutAllAsync(["keep.txt", "f/only.txt", "g/h/only.txt"]);

        await Provider.DeleteAsync("f/only.txt");
        await Provider.DeleteAsync("g/h/only.txt");

        Assert.Equal(["keep.txt"], await ListKeysAsync("", "/"));
        Assert.Equal(["keep.txt"], await ListKeysAsync());
    }

    private static readonly string[] PagingKeys =
    [
        "p/a.txt", "p/b/1.txt", "p/b/2.txt", "p/b/3.txt", "p/b/4/x.txt", "p/c.txt", "p/d/1.txt", "p/e-1.txt",
        "p/e/1.txt", "p/e/2.txt", "p/f.txt", "p/g/h/i.txt", "p/g/h/j.txt", "p/z.txt", "q.txt",
    ];

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public async Task Recursive_listing_pages_without_gaps_or_duplicates(int pageSize)
    {
        await PutAllAsync(PagingKeys);

        var keys = await ListKeysAsync(pageSize: pageSize);

        Assert.Equal(SortedByKey(PagingKeys), keys);
        Assert.Equal(ExpectedListing(PagingKeys, "p/", null), await ListKeysAsync("p/", pageSize: pageSize));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public async Task Listing_with_delimiter_rolls_up_prefixes_across_page_boundaries(int pageSize)
    {
        await PutAllAsync(PagingKeys);

        var items = await ListAsync(new ListRequest { Prefix = "p/", Delimiter = "/", PageSize = pageSize });

        Assert.Equal(["p/a.txt", "p/b/", "p/c.txt", "p/d/", "p/e-1.txt", "p/e/", "p/f.txt", "p/g/", "p/z.txt"], items.Select(i => i.Key));
        Assert.Equal(ExpectedListing(PagingKeys, "p/", "/"), items.Select(i => i.Key));
        Assert.Equal(items.Select(i => i.Key.EndsWith('/')), items.Select(i => i.IsPrefix));
        Assert.Equal(ExpectedListing(PagingKeys, "", "/"), await ListKeysAsync("", "/", pageSize));
    }

    [Fact]
    public async Task Stopping_enumeration_early_returns_the_first_keys_in_order_and_leaves_the_provider_usable()
    {
        var keys = Enumerable.Range(0, 10).Select(i => $"early/{i:D2}.txt").ToArray();
        await PutAllAsync(keys);

        var taken = new List<string>();
        await foreach (var item in Provider.ListAsync(new ListRequest { Prefix = "early/", PageSize = 2 }))
        {
            taken.Add(item.Key);
            if (taken.Count == 3) break;
        }

        Assert.Equal(keys[..3], taken);
        await PutAsync("early/10.txt", "more");
        await Provider.DeleteAsync("early/00.txt");
        Assert.Equal(keys[1..].Append("early/10.txt"), await ListKeysAsync("early/"));
    }

    [Fact]
    public async Task Listing_observes_cancellation_between_pages()
    {
        await PutAllAsync(Enumerable.Range(0, 6).Select(i => $"cancel/{i}.txt"));
        using var cts = new CancellationTokenSource();
        var seen = 0;

        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (var _ in Provider.ListAsync(new ListRequest { Prefix = "cancel/", PageSize = 1 }, cts.Token))
            {
                seen++;
                cts.Cancel();
            }
        });

        Assert.InRange(seen, 1, 2);
    }

    [Fact]
    public async Task Listing_with_an_already_cancelled_token_throws()
    {
        await PutAsync("c.txt", "x");
        using var cts = new CancellationTokenSource();
        cts.Cancel();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => ListAsync(ListRequest.Recursive(), cts.Token));
    }
}
