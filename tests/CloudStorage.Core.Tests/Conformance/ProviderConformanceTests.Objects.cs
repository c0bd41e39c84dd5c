using CloudStorage.Core.Errors;
using CloudStorage.Core.Model;

namespace CloudStorage.Core.Tests.Conformance;

// Round trips, ranges, missing keys, delete, addressing, key validation.
public abstract partial class ProviderConformanceTests
{
    [Fact]
    public async Task Empty_object_round_trips_with_size_zero()
    {
        var written = await PutAsync("empty.bin", []);

        Assert.Equal(0, written.Size);
        Assert.Empty(await GetAsync("empty.bin"));
        var stat = await Provider.StatAsync("empty.bin");
        Assert.NotNull(stat);
        Assert.Equal(0, stat.Size);
    }

    [Fact]
    public async Task Small_object_round_trips_byte_for_byte()
    {
        var data = RandomBytes(1234, seed: 7);

        await PutAsync("dir/small.bin", data);

        Assert.Equal(data, await GetAsync("dir/small.bin"));
    }

    [Fact]
    public async Task Multi_MiB_object_of_known_length_round_trips()
    {
        var data = RandomBytes(7 * MiB + 123, seed: 11);

        var written = await PutAsync("big/known.bin", data);

        Assert.Equal(data.Length, written.Size);
        Assert.Equal(data, await GetAsync("big/known.bin"));
    }

    [Fact]
    public async Task Multi_MiB_object_from_a_non_seekable_stream_of_unknown_length_round_trips()
    {
        var data = RandomBytes(5 * MiB + 7, seed: 12);

        var written = await Provider.WriteAsync("big/unknown.bin", new NonSeekableStream(new MemoryStream(data), maxChunk: 100_000), new WriteOptions());

        Assert.Equal(data.Length, written.Size);
        Assert.Equal(data.Length, (await Provider.StatAsync("big/unknown.bin"))!.Size);
        Assert.Equal(data, await GetAsync("big/unknown.bin"));
    }

    [Fact]
    public async Task Write_stores_the_stream_from_its_current_position_to_the_end()
    {
        var stream = new MemoryStream(Utf8("skip|keep"));
        stream.Position = 5;

        await Provider.WriteAsync("positioned.txt", stream, new WriteOptions());

        Assert.Equal(Utf8("keep"), await GetAsync("positioned.txt"));
    }

    [Fact]
    public async Task Write_returns_the_stored_item_with_key_uri_name_and_size()
    {
        var written = await PutAsync("reports/2024/q1.txt", "quarter");

        AssertItemAddressing(written, "reports/2024/q1.txt");
        Assert.Equal("q1.txt", written.Name);
        Assert.Equal(7, written.Size);
        Assert.False(written.IsPrefix);
        Assert.NotNull(written.LastModified);
    }

    [Fact]
    public async Task Stat_after_write_agrees_with_the_written_item()
    {
        var written = await PutAsync("agree.txt", "same");

        var stat = await Provider.StatAsync("agree.txt");

        Assert.NotNull(stat);
        AssertItemAddressing(stat, "agree.txt");
        Assert.Equal(written.Size, stat.Size);
        Assert.Equal(written.ETag, stat.ETag);
        // Where the write's answer carries no stored time (S3's PutObject), the written item has the answer's time:
        // never before the stored one, and at most one step of the store's precision after it.
        var late = written.LastModified!.Value - stat.LastModified!.Value;
        Assert.InRange(late, TimeSpan.Zero, Caps.ModifiedTimePrecision);
    }

    [Fact]
    public async Task Overwrite_replaces_content_and_size()
    {
        await PutAsync("over.bin", RandomBytes(10_000, seed: 1));
        var replacement = RandomBytes(10, seed: 2);

        var written = await PutAsync("over.bin", replacement);

        Assert.Equal(10, written.Size);
        Assert.Equal(10, (await Provider.StatAsync("over.bin"))!.Size);
        Assert.Equal(replacement, await GetAsync("over.bin"));
        Assert.Equal(["over.bin"], await ListKeysAsync());
    }

    [Fact]
    public async Task Overwrite_with_different_content_changes_the_ETag()
    {
        var first = await PutAsync("etag.txt", "one");
        var second = await PutAsync("etag.txt", "second version");

        Assert.NotNull(first.ETag);
        Assert.NotNull(second.ETag);
        Assert.NotEqual(first.ETag, second.ETag);
    }

    [Theory]
    [InlineData("caf\u00e9/cr\u00e8me br\u00fbl\u00e9e.txt")]
    [InlineData("\u65e5\u672c/\u8a9e\u306e\u30d5\u30a1\u30a4\u30eb.txt")]
    [InlineData("emoji/\U0001F600\U0001F389.bin")]
    [InlineData("mixed/\u00fc \U0001F680 \u65e5 \u0416.txt")]
    public async Task Unicode_keys_round_trip_and_list_exactly(string key)
    {
        var data = Utf8("unicode " + key);

        var written = await PutAsync(key, data);

        AssertItemAddressing(written, key);
        Assert.Equal(data, await GetAsync(key));
        Assert.NotNull(await Provider.StatAsync(key));
        Assert.Equal([key], await ListKeysAsync());
        Assert.Equal([key], await ListKeysAsync(key[..(key.IndexOf('/') + 1)]));
    }

    [Theory]
    [InlineData("with space.txt")]
    [InlineData("dir with space/x y.txt")]
    [InlineData("a+b.txt")]
    [InlineData("100%.txt")]
    [InlineData("%41%2F.txt")]
    [InlineData("hash#tag.txt")]
    [InlineData("a&b=c.txt")]
    [InlineData("semi;colon,comma@at!bang.txt")]
    [InlineData("tilde~'quote'(paren)[bracket]{brace}$.txt")]
    public async Task Keys_with_spaces_and_URL_reserved_characters_round_trip(string key)
    {
        var data = Utf8("special " + key);

        var written = await PutAsync(key, data);

        AssertItemAddressing(written, key);
        Assert.Equal(data, await GetAsync(key));
        Assert.Equal([key], await ListKeysAsync());
        await Provider.DeleteAsync(key);
        Assert.Null(await Provider.StatAsync(key));
    }

    [Fact]
    public async Task Deeply_nested_key_round_trips_and_lists()
    {
        var key = string.Join('/', Enumerable.Range(1, 12).Select(i => "level" + i)) + "/leaf.txt";

        await PutAsync(key, "deep");

        Assert.Equal(Utf8("deep"), await GetAsync(key));
        Assert.Equal([key], await ListKeysAsync());
        Assert.Equal(["level1/"], await ListKeysAsync(delimiter: "/"));
    }

    [Fact]
    public async Task A_key_and_a_longer_key_sharing_its_text_are_distinct_objects()
    {
        await PutAsync("report.txt", "short");
        await PutAsync("report.txt.bak", "longer");

        Assert.Equal(Utf8("short"), await GetAsync("report.txt"));
        Assert.Equal(Utf8("longer"), await GetAsync("report.txt.bak"));
        Assert.Equal(["report.txt", "report.txt.bak"], await ListKeysAsync());
    }

    // ---- ranges ----

    private async Task<byte[]> PutRangeFixtureAsync()
    {
        var data = RandomBytes(1000, seed: 21);
        await PutAsync("range.bin", data);
        return data;
    }

    [Fact]
    public async Task Range_from_the_start_returns_the_first_bytes()
    {
        var data = await PutRangeFixtureAsync();

        Assert.Equal(data[..10], await GetAsync("range.bin", new ByteRange(0, 10)));
    }

    [Fact]
    public async Task Range_in_the_middle_returns_exactly_those_bytes()
    {
        var data = await PutRangeFixtureAsync();

        Assert.Equal(data[100..350], await GetAsync("range.bin", new ByteRange(100, 250)));
    }

    [Fact]
    public async Task Range_without_a_length_reads_to_the_end()
    {
        var data = await PutRangeFixtureAsync();

        Assert.Equal(data[900..], await GetAsync("range.bin", new ByteRange(900)));
    }

    [Fact]
    public async Task Range_longer_than_the_object_is_clamped_to_its_end()
    {
        var data = await PutRangeFixtureAsync();

        Assert.Equal(data[990..], await GetAsync("range.bin", new ByteRange(990, 100)));
    }

    [Fact]
    public async Task Range_starting_beyond_the_end_reads_nothing()
    {
        await PutRangeFixtureAsync();

        Assert.Empty(await GetAsync("range.bin", new ByteRange(5000, 10)));
        Assert.Empty(await GetAsync("range.bin", new ByteRange(1000)));
    }

    [Fact]
    public async Task Zero_length_range_reads_nothing()
    {
        await PutRangeFixtureAsync();

        Assert.Empty(await GetAsync("range.bin", new ByteRange(10, 0)));
    }

    [Fact]
    public async Task Range_of_a_multi_MiB_object_crossing_buffer_boundaries_is_exact()
    {
        var data = RandomBytes(6 * MiB, seed: 22);
        await PutAsync("range-big.bin", data);
        var start = MiB - 3;
        var length = 2 * MiB + 5;

        Assert.Equal(data.AsSpan(start, length).ToArray(), await GetAsync("range-big.bin", new ByteRange(start, length)));
    }

    // ---- missing keys and delete ----

    [Fact]
    public async Task Stat_of_a_missing_key_returns_null()
    {
        await PutAsync("present.txt", "x");

        Assert.Null(await Provider.StatAsync("absent.txt"));
        Assert.Null(await Provider.StatAsync("no/such/dir/file.txt"));
    }

    [Fact]
    public async Task Reading_a_missing_key_throws_NotFound_naming_it()
    {
        var e = await AssertFailsAsync(StorageErrorKind.NotFound, () => Provider.OpenReadAsync("missing/key.txt"));

        Assert.Contains("missing/key.txt", e.Message);
    }

    [Fact]
    public async Task A_folder_like_prefix_is_not_an_object()
    {
        await PutAsync("folder/inner.txt", "x");

        Assert.Null(await Provider.StatAsync("folder"));
        await AssertFailsAsync(StorageErrorKind.NotFound, () => Provider.OpenReadAsync("folder"));
        await Provider.DeleteAsync("folder");
        Assert.NotNull(await Provider.StatAsync("folder/inner.txt"));
    }

    [Fact]
    public async Task Delete_removes_the_object_from_stat_read_and_listing()
    {
        await PutAsync("gone/soon.txt", "bye");

        await Provider.DeleteAsync("gone/soon.txt");

        Assert.Null(await Provider.StatAsync("gone/soon.txt"));
        await AssertFailsAsync(StorageErrorKind.NotFound, () => Provider.OpenReadAsync("gone/soon.txt"));
        Assert.Empty(await ListKeysAsync());
        Assert.Empty(await ListKeysAsync(delimiter: "/"));
    }

    [Fact]
    public async Task Deleting_a_missing_key_succeeds()
    {
        await Provider.DeleteAsync("never/existed.txt");

        Assert.Null(await Provider.StatAsync("never/existed.txt"));
    }

    [Fact]
    public async Task Deleting_twice_succeeds()
    {
        await PutAsync("twice.txt", "x");

        await Provider.DeleteAsync("twice.txt");
        await Provider.DeleteAsync("twice.txt");

        Assert.Null(await Provider.StatAsync("twice.txt"));
    }

    [Fact]
    public async Task Deleting_one_key_leaves_its_neighbours()
    {
        await PutAllAsync(["d/a.txt", "d/b.txt", "d/sub/c.txt"]);

        await Provider.DeleteAsync("d/a.txt");

        Assert.Equal(["d/b.txt", "d/sub/c.txt"], await ListKeysAsync());
        Assert.Equal(["d/"], await ListKeysAsync(delimiter: "/"));
    }

    [Fact]
    public async Task A_key_can_be_written_again_after_delete()
    {
        await PutAsync("again.txt", "first");
        await Provider.DeleteAsync("again.txt");

        await PutAsync("again.txt", "second");

        Assert.Equal(Utf8("second"), await GetAsync("again.txt"));
    }

    [Fact]
    public async Task A_partially_read_stream_once_disposed_does_not_block_overwrite_or_delete()
    {
        await PutAsync("partial.bin", RandomBytes(100_000));
        await using (var stream = await Provider.OpenReadAsync("partial.bin"))
        {
            var buffer = new byte[10];
            Assert.True(await stream.ReadAsync(buffer) > 0);
        }

        await PutAsync("partial.bin", "replaced");
        Assert.Equal(Utf8("replaced"), await GetAsync("partial.bin"));
        await Provider.DeleteAsync("partial.bin");
        Assert.Null(await Provider.StatAsync("partial.bin"));
    }

    // ---- addressing ----

    [Fact]
    public async Task Items_from_write_stat_and_list_have_Uri_AddressRoot_plus_key_and_Name_the_last_segment()
    {
        Assert.False(string.IsNullOrEmpty(Provider.Name));
        Assert.False(string.IsNullOrEmpty(Provider.AddressRoot));
        AssertItemAddressing(await PutAsync("x/y/name.txt", "n"), "x/y/name.txt");
        AssertItemAddressing((await Provider.StatAsync("x/y/name.txt"))!, "x/y/name.txt");

        var listed = Assert.Single(await ListAsync(ListRequest.Recursive()));
        AssertItemAddressing(listed, "x/y/name.txt");
        var prefix = Assert.Single(await ListAsync(ListRequest.OneLevel("x/")));
        AssertItemAddressing(prefix, "x/y/");
        Assert.Equal("y", prefix.Name);
        Assert.True(prefix.IsPrefix);
    }

    // ---- key validation (the shared KeyValidator rules; providers may add their own) ----

    public static TheoryData<string> InvalidKeyCases => new()
    {
        "empty", "leading slash", "NUL", "newline", "DEL", "trailing slash", "unpaired surrogate", "too long",
    };

    private static string InvalidKey(string name) => name switch
    {
        "empty" => "",
        "leading slash" => "/etc/passwd",
        "NUL" => "a\0b.txt",
        "newline" => "line\nbreak.txt",
        "DEL" => "del\u007f.txt",
        "trailing slash" => "folder/",
        "unpaired surrogate" => "bad\ud800.txt",
        "too long" => new string('k', 1025),
        _ => throw new ArgumentOutOfRangeException(nameof(name)),
    };

    [Theory]
    [MemberData(nameof(InvalidKeyCases))]
    public async Task Invalid_keys_are_rejected_with_InvalidKey_by_every_operation(string name)
    {
        var key = InvalidKey(name);

        await AssertFailsAsync(StorageErrorKind.InvalidKey, () => Provider.WriteAsync(key, new MemoryStream([1]), new WriteOptions()));
        await AssertFailsAsync(StorageErrorKind.InvalidKey, () => Provider.StatAsync(key));
        await AssertFailsAsync(StorageErrorKind.InvalidKey, () => Provider.OpenReadAsync(key));
        await AssertFailsAsync(StorageErrorKind.InvalidKey, () => Provider.DeleteAsync(key));
        Assert.Empty(await ListKeysAsync());
    }

    [Theory]
    [InlineData("/rooted/")]
    [InlineData("ctl\u0001/")]
    public async Task Invalid_listing_prefixes_are_rejected_with_InvalidKey(string prefix)
    {
        await AssertFailsAsync(StorageErrorKind.InvalidKey, () => ListAsync(ListRequest.Recursive(prefix)));
    }
}
