using System.Management.Automation;
using CloudStorage.Core.Model;
using CloudStorage.PowerShell.Cmdlets;
using CloudStorage.PowerShell.Infrastructure;
using CloudStorage.PowerShell.Tests.Support;

namespace CloudStorage.PowerShell.Tests.Cmdlets;

public sealed class CopyStorageObjectTests : IDisposable
{
    private readonly TestStores _s = new();
    public void Dispose() => _s.Dispose();

    private RecordingContext Run(CopyStorageObjectCommand cmd, RecordingContext? ctx = null) => cmd.Invoke(ctx ?? _s.Context());

    [Fact]
    public async Task Copies_an_object_to_an_exact_key_and_emits_the_copy()
    {
        await _s.PutAsync("mem://t/a.txt", "a", "text/plain", new Dictionary<string, string> { ["k"] = "v" });
        var ctx = Run(new CopyStorageObjectCommand { Uri = ["mem://t/a.txt"], Destination = "mem://u/b.txt" });
        var item = Assert.IsType<StorageItem>(Assert.Single(ctx.Output));
        Assert.Equal("mem://u/b.txt", item.Uri);
        Assert.Equal("text/plain", item.ContentType);
        Assert.Equal("v", item.Metadata["k"]);
        Assert.Equal("a", await _s.TextAsync("mem://u/b.txt"));
        Assert.Equal("a", await _s.TextAsync("mem://t/a.txt"));
    }

    [Fact]
    public async Task A_trailing_slash_or_an_existing_prefix_takes_the_object_name()
    {
        await _s.PutAsync("mem://t/a.txt", "a");
        await _s.PutAsync("mem://u/existing/x", "x");
        Run(new CopyStorageObjectCommand { Uri = ["mem://t/a.txt"], Destination = "mem://u/new/" });
        Run(new CopyStorageObjectCommand { Uri = ["mem://t/a.txt"], Destination = "mem://u/existing" });
        Assert.Equal(["existing/a.txt", "existing/x", "new/a.txt"], await _s.KeysAsync("mem://u/"));
    }

    [Fact]
    public async Task An_existing_destination_needs_Force()
    {
        await _s.PutAsync("mem://t/a.txt", "new");
        await _s.PutAsync("mem://u/a.txt", "old");
        var ctx = Run(new CopyStorageObjectCommand { Uri = ["mem://t/a.txt"], Destination = "mem://u/a.txt" });
        var error = Assert.Single(ctx.Errors);
        Assert.Equal(("StorageAlreadyExists", ErrorCategory.ResourceExists, "mem://u/a.txt"), (error.ErrorId, error.Category, error.TargetObject));
        Assert.Equal("old", await _s.TextAsync("mem://u/a.txt"));
        Run(new CopyStorageObjectCommand { Uri = ["mem://t/a.txt"], Destination = "mem://u/a.txt" }.With("Force"));
        Assert.Equal("new", await _s.TextAsync("mem://u/a.txt"));
    }

    [Fact]
    public async Task A_missing_source_is_an_error_and_the_next_source_is_copied()
    {
        await _s.PutAsync("mem://t/b.txt", "b");
        var ctx = Run(new CopyStorageObjectCommand { Uri = ["mem://t/missing.txt", "mem://t/b.txt"], Destination = "mem://u/" });
        var error = Assert.Single(ctx.Errors);
        Assert.Equal((ErrorCategory.ObjectNotFound, "mem://t/missing.txt"), (error.Category, error.TargetObject));
        Assert.Equal(["b.txt"], await _s.KeysAsync("mem://u/"));
    }

    [Fact]
    public async Task Recurse_copies_a_prefix_to_a_new_root()
    {
        await _s.PutAsync("mem://t/site/index.html", "i");
        await _s.PutAsync("mem://t/site/css/a.css", "c");
        await _s.PutAsync("mem://t/siteX", "not under the prefix");
        var ctx = Run(new CopyStorageObjectCommand { Uri = ["mem://t/site"], Destination = "mem://u/www" }.With("Recurse"));
        Assert.Equal(2, ctx.Output.Count);
        Assert.Equal(["www/css/a.css", "www/index.html"], await _s.KeysAsync("mem://u/"));
    }

    [Fact]
    public async Task Recurse_into_an_existing_folder_keeps_the_prefix_name()
    {
        await _s.PutAsync("mem://t/site/index.html", "i");
        await _s.PutAsync("mem://u/backups/readme", "r");
        Run(new CopyStorageObjectCommand { Uri = ["mem://t/site"], Destination = "mem://u/backups" }.With("Recurse"));
        Assert.Equal(["backups/readme", "backups/site/index.html"], await _s.KeysAsync("mem://u/"));
    }

    [Fact]
    public async Task A_prefix_written_with_a_slash_copies_its_content_straight_into_the_folder()
    {
        await _s.PutAsync("mem://t/src/a.txt", "a");
        await _s.PutAsync("mem://t/src/sub/c.txt", "c");
        var ctx = Run(new CopyStorageObjectCommand { Uri = ["mem://t/src/"], Destination = "mem://t/tree/" }.With("Recurse"));
        Assert.Equal(2, ctx.Output.Count);
        Assert.Equal("c", await _s.TextAsync("mem://t/tree/sub/c.txt"));
        Assert.Null(await _s.StatAsync("mem://t/tree/src/sub/c.txt"));
    }

    [Fact]
    public async Task A_prefix_without_Recurse_is_InvalidArgument()
    {
        await _s.PutAsync("mem://t/site/index.html", "i");
        var ctx = Run(new CopyStorageObjectCommand { Uri = ["mem://t/site"], Destination = "mem://u/" });
        Assert.Equal(ErrorCategory.InvalidArgument, Assert.Single(ctx.Errors).Category);
        Assert.Empty(await _s.KeysAsync("mem://u/"));
    }

    [Fact]
    public async Task Copies_across_providers_by_streaming()
    {
        await _s.PutAsync("mem://t/a.txt", "across");
        var ctx = Run(new CopyStorageObjectCommand { Uri = ["mem://t/a.txt"], Destination = "s3://bucket/in/" });
        Assert.Equal("s3://bucket/in/a.txt", Assert.IsType<StorageItem>(Assert.Single(ctx.Output)).Uri);
        Assert.Equal("across", await _s.TextAsync("s3://bucket/in/a.txt"));
        Assert.Contains(ctx.Progress, p => p.Completed);
    }

    [Fact]
    public async Task A_declined_copy_changes_nothing()
    {
        await _s.PutAsync("mem://t/a.txt", "a");
        var ctx = _s.Context();
        ctx.ShouldProcessAnswer = false;
        Run(new CopyStorageObjectCommand { Uri = ["mem://t/a.txt"], Destination = "mem://u/b.txt" }, ctx);
        Assert.Equal(("mem://u/b.txt", "Copy 'mem://t/a.txt'"), Assert.Single(ctx.Questions));
        Assert.Empty(await _s.KeysAsync("mem://u/"));
        Assert.Empty(ctx.Output);
    }

    [Fact]
    public async Task Cancelling_between_objects_stops_the_copy()
    {
        await _s.PutAsync("mem://t/d/1", "1");
        await _s.PutAsync("mem://t/d/2", "2");
        await _s.PutAsync("mem://t/d/3", "3");
        var ctx = _s.Context();
        ctx.OnShouldProcess = (target, _) =>
        {
            if (target.EndsWith("/2")) ctx.Cancellation.Cancel();
            return true;
        };
        Assert.ThrowsAny<OperationCanceledException>(() => Run(new CopyStorageObjectCommand { Uri = ["mem://t/d/"], Destination = "mem://u/" }.With("Recurse"), ctx));
        // Copies run a few at a time: the one approved before the cancel may or may not have landed; none after it did.
        var copied = await _s.KeysAsync("mem://u/");
        Assert.DoesNotContain("2", copied);
        Assert.DoesNotContain("3", copied);
        Assert.True(copied.Count <= 1);
    }

    [Fact]
    public void An_unresolvable_destination_stops_the_command()
    {
        var ex = Assert.Throws<TerminatingErrorException>(() => Run(new CopyStorageObjectCommand { Uri = ["mem://t/a"], Destination = "gs://bucket/x" }));
        Assert.Equal(ErrorCategory.NotImplemented, ex.Record.Category);
    }

    [Fact]
    public async Task Copies_to_an_existing_local_folder()
    {
        await _s.PutAsync("mem://t/a.txt", "a");
        var ctx = Run(new CopyStorageObjectCommand { Uri = ["mem://t/a.txt"], Destination = _s.Temp });
        Assert.Empty(ctx.Errors);
        Assert.Equal("a", File.ReadAllText(Path.Combine(_s.Temp, "a.txt")));
    }
}
