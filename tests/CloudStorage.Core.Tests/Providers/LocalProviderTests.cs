using CloudStorage.Core.Errors;
using CloudStorage.Core.Model;
using CloudStorage.Core.Providers.Local;
using CloudStorage.Core.Providers.Memory;

namespace CloudStorage.Core.Tests.Providers;

/// <summary>What only the local provider does: confinement to its root, temp files, directories, file URIs.</summary>
public sealed class LocalProviderTests : IDisposable
{
    private readonly string _sandbox = Directory.CreateDirectory(Path.Combine(Path.GetTempPath(), "cs-local-" + Guid.NewGuid().ToString("N"))).FullName;
    private readonly string _root;
    private readonly string _outside;
    private readonly LocalStorageProvider _provider;

    public LocalProviderTests()
    {
        _root = Directory.CreateDirectory(Path.Combine(_sandbox, "root")).FullName;
        _outside = Directory.CreateDirectory(Path.Combine(_sandbox, "outside")).FullName;
        File.WriteAllText(Path.Combine(_outside, "secret.txt"), "secret");
        _provider = new LocalStorageProvider(_root);
    }

    public void Dispose() => Directory.Delete(_sandbox, recursive: true);

    private Task<StorageItem> PutAsync(string key, string text, WriteOptions? options = null) =>
        _provider.WriteAsync(key, new MemoryStream(System.Text.Encoding.UTF8.GetBytes(text)), options ?? new WriteOptions());

    private async Task<string> ReadTextAsync(string key)
    {
        await using var stream = await _provider.OpenReadAsync(key);
        return await new StreamReader(stream).ReadToEndAsync();
    }

    private async Task<List<string>> ListKeysAsync(string prefix = "", string? delimiter = null)
    {
        var keys = new List<string>();
        await foreach (var item in _provider.ListAsync(new ListRequest { Prefix = prefix, Delimiter = delimiter })) keys.Add(item.Key);
        return keys;
    }

    private static async Task<StorageException> AssertFailsAsync(StorageErrorKind kind, Func<Task> action)
    {
        var e = await Assert.ThrowsAsync<StorageException>(action);
        Assert.True(kind == e.Kind, $"Expected {kind} but got {e.Kind}: {e.Message}");
        return e;
    }

    private async Task AssertEveryOperationRejectsAsync(string key)
    {
        await AssertFailsAsync(StorageErrorKind.InvalidKey, () => PutAsync(key, "x"));
        await AssertFailsAsync(StorageErrorKind.InvalidKey, () => _provider.StatAsync(key));
        await AssertFailsAsync(StorageErrorKind.InvalidKey, () => _provider.OpenReadAsync(key));
        await AssertFailsAsync(StorageErrorKind.InvalidKey, () => _provider.DeleteAsync(key));
        await AssertFailsAsync(StorageErrorKind.InvalidKey, () => _provider.GetHashAsync(key, HashAlgorithmKind.MD5));
    }

    private string[] FilesUnderRoot() =>
        Directory.GetFiles(_root, "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(_root, f).Replace('\\', '/')).Order().ToArray();

    // ---- confinement ----

    [Theory]
    [InlineData("..")]
    [InlineData("../outside/secret.txt")]
    [InlineData("a/../../outside/x.txt")]
    [InlineData("a/..")]
    [InlineData(".")]
    [InlineData("./a.txt")]
    [InlineData("a/./b.txt")]
    public async Task Keys_with_dot_segments_are_rejected_with_InvalidKey(string key)
    {
        await AssertEveryOperationRejectsAsync(key);

        Assert.Equal("secret", File.ReadAllText(Path.Combine(_outside, "secret.txt")));
        Assert.Equal(["outside", "root"], Directory.GetFileSystemEntries(_sandbox).Select(Path.GetFileName).Order());
        Assert.Empty(FilesUnderRoot());
    }

    [Theory]
    [InlineData("/etc/passwd")]
    [InlineData("a\\..\\..\\outside\\secret.txt")]
    [InlineData("a//b.txt")]
    [InlineData("a\0b.txt")]
    public async Task Absolute_backslash_empty_segment_and_NUL_keys_are_rejected_with_InvalidKey(string key)
    {
        await AssertEveryOperationRejectsAsync(key);

        Assert.Empty(FilesUnderRoot());
    }

    [Fact]
    public async Task Listing_prefixes_with_dot_segments_are_rejected()
    {
        await AssertFailsAsync(StorageErrorKind.InvalidKey, () => ListKeysAsync("../"));
        await AssertFailsAsync(StorageErrorKind.InvalidKey, () => ListKeysAsync("a/../"));
    }

    [Fact]
    public async Task A_directory_link_pointing_outside_the_root_is_rejected_naming_the_key()
    {
        Directory.CreateSymbolicLink(Path.Combine(_root, "escape"), _outside);

        var e = await AssertFailsAsync(StorageErrorKind.InvalidKey, () => _provider.OpenReadAsync("escape/secret.txt"));
        Assert.Contains("escape/secret.txt", e.Message);
        await AssertEveryOperationRejectsAsync("escape/secret.txt");
        await AssertEveryOperationRejectsAsync("escape/new.txt");
        await AssertFailsAsync(StorageErrorKind.InvalidKey, () => ListKeysAsync("escape/"));

        Assert.Empty(await ListKeysAsync());
        Assert.Empty(await ListKeysAsync(delimiter: "/"));
        Assert.Equal(["secret.txt"], Directory.GetFiles(_outside).Select(Path.GetFileName));
        Assert.Equal("secret", File.ReadAllText(Path.Combine(_outside, "secret.txt")));
    }

    [Fact]
    public async Task A_relative_link_climbing_out_of_the_root_is_rejected()
    {
        Directory.CreateDirectory(Path.Combine(_root, "sub"));
        Directory.CreateSymbolicLink(Path.Combine(_root, "sub", "up"), Path.Combine("..", "..", "outside"));

        await AssertEveryOperationRejectsAsync("sub/up/secret.txt");
    }

    [Fact]
    public async Task A_file_link_pointing_outside_the_root_is_rejected_and_not_listed()
    {
        File.CreateSymbolicLink(Path.Combine(_root, "leak.txt"), Path.Combine(_outside, "secret.txt"));

        await AssertEveryOperationRejectsAsync("leak.txt");
        Assert.Empty(await ListKeysAsync());
        Assert.Equal("secret", File.ReadAllText(Path.Combine(_outside, "secret.txt")));
    }

    [Fact]
    public async Task Links_inside_the_root_are_followed_for_files_and_not_descended_when_listing()
    {
        await PutAsync("real/data.txt", "payload");
        Directory.CreateSymbolicLink(Path.Combine(_root, "alias"), Path.Combine(_root, "real"));
        File.CreateSymbolicLink(Path.Combine(_root, "shortcut.txt"), Path.Combine("real", "data.txt"));

        Assert.Equal("payload", await ReadTextAsync("alias/data.txt"));
        Assert.Equal("payload", await ReadTextAsync("shortcut.txt"));
        Assert.Equal(7, (await _provider.StatAsync("shortcut.txt"))!.Size);
        Assert.Equal(["real/data.txt", "shortcut.txt"], await ListKeysAsync());
    }

    [Fact]
    public async Task A_root_reached_through_a_link_works_and_links_to_its_real_path_count_as_inside()
    {
        var linkedRoot = Path.Combine(_sandbox, "linked-root");
        Directory.CreateSymbolicLink(linkedRoot, _root);
        var provider = new LocalStorageProvider(linkedRoot);
        File.WriteAllText(Path.Combine(_root, "inside.txt"), "in");
        File.CreateSymbolicLink(Path.Combine(_root, "absolute-link.txt"), Path.Combine(_root, "inside.txt"));

        await provider.WriteAsync("through/link.txt", new MemoryStream([1, 2, 3]), new WriteOptions());

        Assert.True(File.Exists(Path.Combine(_root, "through", "link.txt")));
        Assert.Equal(2, (await provider.StatAsync("absolute-link.txt"))!.Size);
        Assert.Equal(linkedRoot, provider.RootDirectory);
    }

    [Fact]
    public async Task Names_reserved_for_temp_files_cannot_be_used_as_keys()
    {
        await AssertEveryOperationRejectsAsync(".cloudstorage-tmp-0123");
        await AssertEveryOperationRejectsAsync("dir/.cloudstorage-tmp-x/file.txt");
    }

    [Fact]
    public async Task A_name_too_long_for_the_file_system_is_an_InvalidKey()
    {
        await AssertFailsAsync(StorageErrorKind.InvalidKey, () => PutAsync(new string('n', 300) + ".txt", "x"));

        Assert.Empty(FilesUnderRoot());
    }

    // ---- atomic writes and temp files ----

    [Fact]
    public async Task A_write_failing_its_hash_check_leaves_no_temp_file_and_keeps_the_old_file()
    {
        await PutAsync("dir/file.txt", "old");
        var wrong = ContentHash.Compute(HashAlgorithmKind.SHA256, "other"u8);

        await AssertFailsAsync(StorageErrorKind.IntegrityFailure, () => PutAsync("dir/file.txt", "new", new WriteOptions { ExpectedHashes = [wrong] }));

        Assert.Equal(["dir/file.txt"], FilesUnderRoot());
        Assert.Equal("old", File.ReadAllText(Path.Combine(_root, "dir", "file.txt")));
    }

    [Fact]
    public async Task A_write_with_the_wrong_length_leaves_no_temp_file_and_no_new_directory()
    {
        await AssertFailsAsync(StorageErrorKind.IntegrityFailure, () => PutAsync("fresh/file.txt", "four", new WriteOptions { Length = 5 }));

        Assert.Empty(FilesUnderRoot());
        Assert.Null(await _provider.StatAsync("fresh/file.txt"));
    }

    [Fact]
    public async Task A_cancelled_write_leaves_no_temp_file_and_keeps_the_old_file()
    {
        await PutAsync("c.bin", "old");
        using var cts = new CancellationTokenSource();
        var stream = Conformance.InterruptingStream.Cancelling(new byte[2_000_000], 100_000, cts);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => _provider.WriteAsync("c.bin", stream, new WriteOptions(), cts.Token));

        Assert.Equal(["c.bin"], FilesUnderRoot());
        Assert.Equal("old", File.ReadAllText(Path.Combine(_root, "c.bin")));
    }

    [Fact]
    public async Task A_failing_source_leaves_no_temp_file_and_its_error_passes_through()
    {
        var stream = Conformance.InterruptingStream.Failing(new byte[2_000_000], 100_000);

        var e = await Assert.ThrowsAsync<IOException>(() => _provider.WriteAsync("s.bin", stream, new WriteOptions()));

        Assert.Contains("simulated", e.Message);
        Assert.Empty(FilesUnderRoot());
    }

    [Fact]
    public async Task Leftover_temp_files_are_never_listed()
    {
        Directory.CreateDirectory(Path.Combine(_root, "only-temp"));
        File.WriteAllText(Path.Combine(_root, "only-temp", ".cloudstorage-tmp-deadbeef"), "partial");
        File.WriteAllText(Path.Combine(_root, ".cloudstorage-tmp-cafe"), "partial");
        await PutAsync("visible.txt", "v");

        Assert.Equal(["visible.txt"], await ListKeysAsync());
        Assert.Equal(["visible.txt"], await ListKeysAsync(delimiter: "/"));
    }

    [Fact]
    public async Task A_reader_opened_before_an_overwrite_keeps_the_version_it_opened()
    {
        await PutAsync("versioned.txt", new string('o', 100_000));
        await using var reader = await _provider.OpenReadAsync("versioned.txt");

        await PutAsync("versioned.txt", "new");
        await _provider.DeleteAsync("versioned.txt");

        Assert.Equal(new string('o', 100_000), await new StreamReader(reader).ReadToEndAsync());
    }

    // ---- directories ----

    [Fact]
    public async Task Write_creates_missing_parent_directories()
    {
        await PutAsync("x/y/z/file.txt", "deep");

        Assert.Equal("deep", File.ReadAllText(Path.Combine(_root, "x", "y", "z", "file.txt")));
    }

    [Fact]
    public async Task Empty_directories_list_as_nothing()
    {
        Directory.CreateDirectory(Path.Combine(_root, "empty", "nested", "deeper"));
        await PutAsync("b/file.txt", "x");

        Assert.Equal(["b/file.txt"], await ListKeysAsync());
        Assert.Equal(["b/"], await ListKeysAsync(delimiter: "/"));
        Assert.Empty(await ListKeysAsync("empty/", "/"));
    }

    [Fact]
    public async Task Delete_removes_parent_directories_left_empty_but_never_the_root()
    {
        await PutAsync("a/b/c/d.txt", "d");
        await PutAsync("a/x.txt", "x");

        await _provider.DeleteAsync("a/b/c/d.txt");
        Assert.False(Directory.Exists(Path.Combine(_root, "a", "b")));
        Assert.True(Directory.Exists(Path.Combine(_root, "a")));

        await _provider.DeleteAsync("a/x.txt");
        Assert.False(Directory.Exists(Path.Combine(_root, "a")));
        Assert.True(Directory.Exists(_root));
        Assert.Empty(Directory.GetFileSystemEntries(_root));
    }

    [Fact]
    public async Task Delete_keeps_directories_that_hold_files_the_provider_does_not_list()
    {
        await PutAsync("keep/a.txt", "a");
        File.WriteAllText(Path.Combine(_root, "keep", ".cloudstorage-tmp-other-writer"), "in flight");

        await _provider.DeleteAsync("keep/a.txt");

        Assert.True(File.Exists(Path.Combine(_root, "keep", ".cloudstorage-tmp-other-writer")));
    }

    [Fact]
    public async Task Writing_a_key_that_names_a_directory_fails_with_Conflict()
    {
        await PutAsync("folder/inner.txt", "inner");

        var e = await AssertFailsAsync(StorageErrorKind.Conflict, () => PutAsync("folder", "clash"));

        Assert.Contains("folder", e.Message);
        Assert.Equal("inner", await ReadTextAsync("folder/inner.txt"));
        Assert.Equal(["folder/inner.txt"], FilesUnderRoot());
    }

    [Fact]
    public async Task Writing_under_a_key_that_is_a_file_fails_with_Conflict()
    {
        await PutAsync("plain", "file");

        var e = await AssertFailsAsync(StorageErrorKind.Conflict, () => PutAsync("plain/child.txt", "clash"));

        Assert.Contains("plain/child.txt", e.Message);
        Assert.Equal("file", await ReadTextAsync("plain"));
        Assert.Equal(["plain"], FilesUnderRoot());
        Assert.Null(await _provider.StatAsync("plain/child.txt"));
        await _provider.DeleteAsync("plain/child.txt");
    }

    [Fact]
    public async Task Files_made_outside_the_provider_including_dot_files_are_listed_and_readable()
    {
        Directory.CreateDirectory(Path.Combine(_root, "ext", ".config"));
        File.WriteAllText(Path.Combine(_root, "ext", "made.txt"), "external");
        File.WriteAllText(Path.Combine(_root, "ext", ".config", "settings"), "s");
        File.WriteAllText(Path.Combine(_root, ".hidden"), "h");

        Assert.Equal([".hidden", "ext/.config/settings", "ext/made.txt"], await ListKeysAsync());
        Assert.Equal("external", await ReadTextAsync("ext/made.txt"));
    }

    [Fact]
    public async Task Modified_time_is_written_to_the_file()
    {
        var when = new DateTimeOffset(2020, 1, 2, 3, 4, 5, 678, TimeSpan.Zero);

        var item = await PutAsync("timed.txt", "t", new WriteOptions { ModifiedTime = when });

        Assert.Equal(when.UtcDateTime, File.GetLastWriteTimeUtc(Path.Combine(_root, "timed.txt")));
        Assert.Equal(when, item.LastModified);
    }

    [Fact]
    public async Task ETag_is_derived_from_time_and_size()
    {
        var when = new DateTimeOffset(2020, 1, 2, 3, 4, 5, TimeSpan.Zero);

        var item = await PutAsync("tagged.txt", "twelve bytes", new WriteOptions { ModifiedTime = when });

        Assert.Equal($"{when.UtcTicks:x}-c", item.ETag);
    }

    // ---- addressing ----

    [Theory]
    [InlineData("/", "file:///", "file:///")]
    [InlineData("/srv/data", "file:///srv/data/", "file:///srv/data")]
    [InlineData("/srv/data/", "file:///srv/data/", "file:///srv/data")]
    public void AddressRoot_and_Name_follow_the_root_directory(string root, string addressRoot, string name)
    {
        if (OperatingSystem.IsWindows()) return; // Unix roots; Windows formats are covered below
        var provider = new LocalStorageProvider(root);

        Assert.Equal(addressRoot, provider.AddressRoot);
        Assert.Equal(name, provider.Name);
        Assert.Equal(root.Length > 1 ? root.TrimEnd('/') : root, provider.RootDirectory);
    }

    [Theory]
    [InlineData("C:\\", "file:///C:/", "file:///C:/")]
    [InlineData("C:\\data", "file:///C:/data/", "file:///C:/data")]
    [InlineData("/", "file:///", "file:///")]
    public void Windows_and_Unix_roots_format_as_file_URIs(string root, string addressRoot, string name)
    {
        Assert.Equal(addressRoot, ConfinedRoot.AddressRootFor(root));
        Assert.Equal(name, ConfinedRoot.DisplayNameFor(root));
    }

    [Fact]
    public void A_given_name_replaces_the_display_name_but_not_the_address_root()
    {
        var provider = new LocalStorageProvider(_root, "backup");

        Assert.Equal("backup", provider.Name);
        Assert.Equal(ConfinedRoot.AddressRootFor(_root), provider.AddressRoot);
    }

    [Fact]
    public async Task The_file_system_root_provider_maps_absolute_paths_to_keys()
    {
        if (OperatingSystem.IsWindows()) return;
        File.WriteAllText(Path.Combine(_root, "abs.txt"), "absolute");
        var slash = new LocalStorageProvider("/");
        var key = Path.Combine(_root, "abs.txt").TrimStart('/');

        var item = await slash.StatAsync(key);

        Assert.NotNull(item);
        Assert.Equal("file:///" + key, item.Uri);
        Assert.Equal("abs.txt", item.Name);
    }

    // ---- server-side copy ----

    [Fact]
    public async Task Server_side_copy_works_between_two_local_roots()
    {
        var other = new LocalStorageProvider(Directory.CreateDirectory(Path.Combine(_sandbox, "other")).FullName);
        await other.WriteAsync("src/file.bin", new MemoryStream([9, 8, 7]), new WriteOptions());

        Assert.True(_provider.CanCopyFrom(other));
        var copied = await _provider.CopyFromAsync(other, "src/file.bin", "dst/file.bin", new WriteOptions());

        Assert.Equal(3, copied.Size);
        Assert.Equal([9, 8, 7], File.ReadAllBytes(Path.Combine(_root, "dst", "file.bin")));
        Assert.Equal(["dst/file.bin"], FilesUnderRoot());
    }

    [Fact]
    public async Task Server_side_copy_from_another_kind_of_provider_is_Unsupported()
    {
        var memory = new MemoryStorageProvider("local-copy-test");
        await memory.WriteAsync("m.txt", new MemoryStream([1]), new WriteOptions());

        Assert.False(_provider.CanCopyFrom(memory));
        await AssertFailsAsync(StorageErrorKind.Unsupported, () => _provider.CopyFromAsync(memory, "m.txt", "m.txt", new WriteOptions()));
    }

    [Fact]
    public async Task Server_side_copy_checks_expected_hashes_and_stores_nothing_on_mismatch()
    {
        await PutAsync("orig.txt", "original");

        await AssertFailsAsync(StorageErrorKind.IntegrityFailure, () => _provider.CopyFromAsync(_provider, "orig.txt", "copy.txt",
            new WriteOptions { ExpectedHashes = [ContentHash.Compute(HashAlgorithmKind.CRC32C, "other"u8)] }));

        Assert.Equal(["orig.txt"], FilesUnderRoot());
    }

    // A write stamps the object's own (old) time on its temp file just before the rename, and a local copy's temp file
    // starts with its source's time: a sweep for stale temp files by another write into the same folder (each provider's
    // first write into a folder sweeps it) took them for leftovers of a killed transfer and deleted them, failing the
    // write. Seen in CI as a local-to-local sync that lost one object; here many writers race into one folder.
    [Fact]
    public async Task Parallel_writes_and_copies_of_old_files_into_one_folder_never_sweep_each_others_temp_files()
    {
        var old = new DateTimeOffset(2001, 1, 1, 0, 0, 0, TimeSpan.Zero);
        var sourceRoot = Directory.CreateDirectory(Path.Combine(_sandbox, "old-source")).FullName;
        var source = new LocalStorageProvider(sourceRoot);
        for (var i = 0; i < 100; i++)
            await source.WriteAsync($"s/{i}.txt", new MemoryStream([(byte)i]), new WriteOptions { ModifiedTime = old });

        var failures = new System.Collections.Concurrent.ConcurrentBag<string>();
        await Parallel.ForEachAsync(Enumerable.Range(0, 400), new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (i, ct) =>
        {
            try
            {
                // A new provider each time: every one sweeps the folder with its first write into it.
                var writer = new LocalStorageProvider(_root);
                if (i % 2 == 0)
                    await writer.WriteAsync($"race/w{i}.txt", new MemoryStream([(byte)i]), new WriteOptions { ModifiedTime = old }, ct);
                else
                    await writer.CopyFromAsync(source, $"s/{i % 100}.txt", $"race/c{i}.txt", new WriteOptions { ModifiedTime = old }, ct);
            }
            catch (Exception e)
            {
                failures.Add($"{i}: {e.GetType().Name}: {e.Message}");
            }
        });
        Assert.True(failures.IsEmpty, string.Join("\n", failures.Take(5)));
        Assert.Equal(400, Directory.EnumerateFiles(Path.Combine(_root, "race")).Count());
        Assert.Empty(Directory.EnumerateFiles(Path.Combine(_root, "race"), ConfinedRoot.TempPrefix + "*"));
    }
}
