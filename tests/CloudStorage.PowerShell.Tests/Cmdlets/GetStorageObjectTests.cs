using System.Management.Automation;
using System.Text;
using CloudStorage.PowerShell.Cmdlets;
using CloudStorage.PowerShell.Infrastructure;
using CloudStorage.PowerShell.Tests.Support;

namespace CloudStorage.PowerShell.Tests.Cmdlets;

public sealed class GetStorageObjectTests : IDisposable
{
    private readonly TestStores _s = new();
    public void Dispose() => _s.Dispose();

    private RecordingContext Run(GetStorageObjectCommand cmd, RecordingContext? ctx = null) => cmd.Invoke(ctx ?? _s.Context());

    [Fact]
    public async Task AsString_returns_the_text()
    {
        await _s.PutAsync("mem://t/a.txt", "hello wörld");
        var ctx = Run(new GetStorageObjectCommand { Uri = ["mem://t/a.txt"] }.With("AsString"));
        Assert.Equal("hello wörld", Assert.IsType<string>(Assert.Single(ctx.Output)));
    }

    [Fact]
    public async Task AsString_honours_the_Encoding_and_a_byte_order_mark()
    {
        var location = _s.Registry.Resolve("mem://t/u16.txt");
        await location.Provider.WriteAsync(location.Key, new MemoryStream(Encoding.Unicode.GetBytes("ab")), new());
        var location2 = _s.Registry.Resolve("mem://t/bom.txt");
        await location2.Provider.WriteAsync(location2.Key, new MemoryStream([.. Encoding.UTF8.GetPreamble(), .. "xy"u8.ToArray()]), new());
        var ctx = Run(new GetStorageObjectCommand { Uri = ["mem://t/u16.txt"], Encoding = "Unicode" }.With("AsString"));
        Assert.Equal("ab", ctx.Output.Single());
        var bom = Run(new GetStorageObjectCommand { Uri = ["mem://t/bom.txt"] }.With("AsString"));
        Assert.Equal("xy", bom.Output.Single());
    }

    [Fact]
    public async Task AsByteArray_writes_one_array_object()
    {
        await _s.PutAsync("mem://t/a.bin", "abc");
        var ctx = Run(new GetStorageObjectCommand { Uri = ["mem://t/a.bin"] }.With("AsByteArray"));
        Assert.Equal("abc"u8.ToArray(), Assert.IsType<byte[]>(Assert.Single(ctx.Output)));
    }

    [Fact]
    public async Task A_missing_object_is_an_error_and_the_next_one_is_read()
    {
        await _s.PutAsync("mem://t/b.txt", "b");
        var ctx = Run(new GetStorageObjectCommand { Uri = ["mem://t/a.txt", "mem://t/b.txt"] }.With("AsString"));
        var error = Assert.Single(ctx.Errors);
        Assert.Equal(("StorageNotFound", ErrorCategory.ObjectNotFound, "mem://t/a.txt"), (error.ErrorId, error.Category, error.TargetObject));
        Assert.Equal(["b"], ctx.Output);
    }

    [Fact]
    public async Task Reading_more_than_the_memory_limit_is_LimitsExceeded()
    {
        await _s.PutAsync("mem://t/big", new string('x', 100));
        var ctx = Run(new GetStorageObjectCommand { Uri = ["mem://t/big"], MaxInMemoryBytes = 10 }.With("AsByteArray"));
        var error = Assert.Single(ctx.Errors);
        Assert.Equal(("StorageLimitExceeded", ErrorCategory.LimitsExceeded), (error.ErrorId, error.Category));
        Assert.Empty(ctx.Output);
    }

    [Fact]
    public void Invalid_combinations_stop_the_command()
    {
        Assert.Throws<TerminatingErrorException>(() => Run(new GetStorageObjectCommand { Uri = ["mem://t/a"] }.With("AsString", "AsByteArray")));
        Assert.Throws<TerminatingErrorException>(() => Run(new GetStorageObjectCommand { Uri = ["mem://t/a"] }.With("AsString", "Recurse")));
        Assert.Throws<TerminatingErrorException>(() => Run(new GetStorageObjectCommand { Uri = ["mem://t/a"] }));
        var cloud = Assert.Throws<TerminatingErrorException>(() => Run(new GetStorageObjectCommand { Uri = ["mem://t/a"], Destination = "mem://t/b" }));
        Assert.Contains("Copy-StorageObject", cloud.Message);
    }

    [Fact]
    public async Task A_prefix_without_Recurse_is_InvalidArgument()
    {
        await _s.PutAsync("mem://t/dir/a.txt", "a");
        var ctx = Run(new GetStorageObjectCommand { Uri = ["mem://t/dir/"], Destination = _s.Temp });
        Assert.Equal(ErrorCategory.InvalidArgument, Assert.Single(ctx.Errors).Category);
        Assert.Empty(Directory.EnumerateFileSystemEntries(_s.Temp));
    }

    [Fact]
    public async Task A_declined_download_writes_no_file()
    {
        await _s.PutAsync("mem://t/a.txt", "a");
        var ctx = _s.Context();
        ctx.ShouldProcessAnswer = false;
        Run(new GetStorageObjectCommand { Uri = ["mem://t/a.txt"], Destination = "out.txt" }, ctx);
        Assert.Equal((Path.Combine(_s.Temp, "out.txt"), "Download 'mem://t/a.txt'"), Assert.Single(ctx.Questions));
        Assert.Empty(ctx.Output);
        Assert.False(File.Exists(Path.Combine(_s.Temp, "out.txt")));
    }

    [Fact]
    public async Task Stopping_cancels_a_read_in_progress()
    {
        await _s.PutAsync("s3://bucket/slow", "s");
        _s.Cloud.BlockReads = true;
        var cmd = new GetStorageObjectCommand { Uri = ["s3://bucket/slow"] }.With("AsByteArray");
        _ = _s.Cloud.ReadStarted.Task.ContinueWith(_ => cmd.Stop(), TaskScheduler.Default);
        var run = Task.Run(() => cmd.Invoke(_s.Context()));
        var ex = await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run.WaitAsync(TimeSpan.FromSeconds(20)));
        Assert.NotNull(ex);
    }

    [Fact]
    public async Task Downloads_to_an_exact_file_path_and_emits_FileInfo()
    {
        await _s.PutAsync("mem://t/a.txt", "content");
        var ctx = Run(new GetStorageObjectCommand { Uri = ["mem://t/a.txt"], Destination = "copy.txt" });
        var file = Assert.IsType<FileInfo>(Assert.Single(ctx.Output));
        Assert.Equal(Path.Combine(_s.Temp, "copy.txt"), file.FullName);
        Assert.Equal("content", File.ReadAllText(file.FullName));
    }

    [Fact]
    public async Task Downloads_into_an_existing_folder_or_one_written_with_a_separator()
    {
        await _s.PutAsync("mem://t/dir/a.txt", "a");
        Directory.CreateDirectory(Path.Combine(_s.Temp, "existing"));
        Run(new GetStorageObjectCommand { Uri = ["mem://t/dir/a.txt"], Destination = "existing" });
        Assert.Equal("a", File.ReadAllText(Path.Combine(_s.Temp, "existing", "a.txt")));
        Run(new GetStorageObjectCommand { Uri = ["mem://t/dir/a.txt"], Destination = "fresh" + Path.DirectorySeparatorChar });
        Assert.Equal("a", File.ReadAllText(Path.Combine(_s.Temp, "fresh", "a.txt")));
    }

    [Fact]
    public async Task An_existing_file_is_kept_without_Force_and_replaced_with_it()
    {
        await _s.PutAsync("mem://t/a.txt", "new");
        var path = _s.WriteFile("a.txt", "old");
        var ctx = Run(new GetStorageObjectCommand { Uri = ["mem://t/a.txt"], Destination = path });
        Assert.Equal(("StorageAlreadyExists", ErrorCategory.ResourceExists), (ctx.Errors.Single().ErrorId, ctx.Errors.Single().Category));
        Assert.Equal("old", File.ReadAllText(path));
        var forced = Run(new GetStorageObjectCommand { Uri = ["mem://t/a.txt"], Destination = path }.With("Force"));
        Assert.Empty(forced.Errors);
        Assert.Equal("new", File.ReadAllText(path));
    }

    [Fact]
    public async Task Recurse_downloads_a_prefix_as_a_tree_under_an_existing_folder()
    {
        await _s.PutAsync("mem://t/site/index.html", "i");
        await _s.PutAsync("mem://t/site/css/a.css", "c");
        await _s.PutAsync("mem://t/other.txt", "o");
        var ctx = Run(new GetStorageObjectCommand { Uri = ["mem://t/site"], Destination = _s.Temp }.With("Recurse"));
        Assert.Equal(2, ctx.OutputOf<FileInfo>().Count());
        Assert.Equal("i", File.ReadAllText(Path.Combine(_s.Temp, "site", "index.html")));
        Assert.Equal("c", File.ReadAllText(Path.Combine(_s.Temp, "site", "css", "a.css")));
        Assert.False(File.Exists(Path.Combine(_s.Temp, "other.txt")));
    }

    [Fact]
    public async Task A_download_that_fails_midway_leaves_no_file_and_the_next_object_is_downloaded()
    {
        var payload = new string('z', 256 * 1024);
        await _s.PutAsync("s3://bucket/broken.bin", payload);
        await _s.PutAsync("mem://t/fine.txt", "fine");
        _s.Cloud.FailReadsAfter = 1000;
        var target = Directory.CreateDirectory(Path.Combine(_s.Temp, "dl")).FullName;
        var ctx = Run(new GetStorageObjectCommand { Uri = ["s3://bucket/broken.bin", "mem://t/fine.txt"], Destination = target });
        var error = Assert.Single(ctx.Errors);
        Assert.Equal(ErrorCategory.ConnectionError, error.Category);
        Assert.Equal(["fine.txt"], Directory.GetFiles(target).Select(Path.GetFileName));
    }

    [Fact]
    public async Task Recurse_on_a_prefix_written_with_a_slash_downloads_its_content_into_the_folder()
    {
        await _s.PutAsync("mem://t/site/index.html", "i");
        await _s.PutAsync("mem://t/site/css/a.css", "c");
        Run(new GetStorageObjectCommand { Uri = ["mem://t/site/"], Destination = _s.Temp }.With("Recurse"));
        Assert.Equal("c", File.ReadAllText(Path.Combine(_s.Temp, "css", "a.css")));
        Assert.False(Directory.Exists(Path.Combine(_s.Temp, "site")));
    }
}
