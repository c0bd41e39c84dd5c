using System.Management.Automation;
using CloudStorage.Core.Model;
using CloudStorage.PowerShell.Cmdlets;
using CloudStorage.PowerShell.Tests.Support;

namespace CloudStorage.PowerShell.Tests.Cmdlets;

public sealed class RemoveStorageObjectTests : IDisposable
{
    private readonly TestStores _s = new();
    public void Dispose() => _s.Dispose();

    private RecordingContext Run(RemoveStorageObjectCommand cmd, RecordingContext? ctx = null) => cmd.Invoke(ctx ?? _s.Context());

    [Fact]
    public async Task Removes_an_object_quietly()
    {
        await _s.PutAsync("mem://t/a.txt", "a");
        await _s.PutAsync("mem://t/b.txt", "b");
        var ctx = Run(new RemoveStorageObjectCommand { Uri = ["mem://t/a.txt"] });
        Assert.Empty(ctx.Output);
        Assert.Empty(ctx.Errors);
        Assert.Equal(["b.txt"], await _s.KeysAsync("mem://t/"));
    }

    [Fact]
    public async Task PassThru_emits_the_removed_item()
    {
        await _s.PutAsync("mem://t/a.txt", "a");
        var ctx = Run(new RemoveStorageObjectCommand { Uri = ["mem://t/a.txt"] }.With("PassThru"));
        Assert.Equal("mem://t/a.txt", Assert.IsType<StorageItem>(Assert.Single(ctx.Output)).Uri);
    }

    [Fact]
    public async Task A_missing_object_is_ObjectNotFound_and_the_next_one_is_removed()
    {
        await _s.PutAsync("mem://t/b.txt", "b");
        var ctx = Run(new RemoveStorageObjectCommand { Uri = ["mem://t/a.txt", "mem://t/b.txt"] });
        var error = Assert.Single(ctx.Errors);
        Assert.Equal(("StorageNotFound", ErrorCategory.ObjectNotFound, "mem://t/a.txt"), (error.ErrorId, error.Category, error.TargetObject));
        Assert.Empty(await _s.KeysAsync("mem://t/"));
    }

    [Fact]
    public async Task A_prefix_needs_Recurse()
    {
        await _s.PutAsync("mem://t/dir/a", "a");
        var ctx = Run(new RemoveStorageObjectCommand { Uri = ["mem://t/dir"] });
        Assert.Equal(ErrorCategory.InvalidArgument, Assert.Single(ctx.Errors).Category);
        Assert.Equal(["dir/a"], await _s.KeysAsync("mem://t/"));
    }

    [Fact]
    public async Task Recurse_removes_everything_under_the_prefix_and_nothing_beside_it()
    {
        await _s.PutAsync("mem://t/dir/a", "a");
        await _s.PutAsync("mem://t/dir/sub/b", "b");
        await _s.PutAsync("mem://t/dirty", "keep");
        var ctx = Run(new RemoveStorageObjectCommand { Uri = ["mem://t/dir"] }.With("Recurse", "PassThru"));
        Assert.Equal(2, ctx.Output.Count);
        Assert.Equal(["dirty"], await _s.KeysAsync("mem://t/"));
    }

    [Fact]
    public async Task A_declined_removal_keeps_the_objects_and_asks_once_per_object()
    {
        await _s.PutAsync("mem://t/dir/a", "a");
        await _s.PutAsync("mem://t/dir/b", "b");
        var ctx = _s.Context();
        ctx.OnShouldProcess = (target, _) => target.EndsWith("/b");
        Run(new RemoveStorageObjectCommand { Uri = ["mem://t/dir/"] }.With("Recurse"), ctx);
        Assert.Equal(["mem://t/dir/a", "mem://t/dir/b"], ctx.Questions.Select(q => q.Target));
        Assert.Equal(["dir/a"], await _s.KeysAsync("mem://t/"));
    }

    [Fact]
    public async Task WhatIf_removes_nothing()
    {
        await _s.PutAsync("mem://t/a", "a");
        var ctx = _s.Context();
        ctx.WhatIfRequested = true;
        Run(new RemoveStorageObjectCommand { Uri = ["mem://t/a"] }, ctx);
        Assert.Equal(["a"], await _s.KeysAsync("mem://t/"));
    }

    [Fact]
    public async Task Stopping_during_a_recursive_removal_leaves_the_rest()
    {
        for (int i = 1; i <= 4; i++) await _s.PutAsync($"mem://t/d/{i}", "x");
        var cmd = new RemoveStorageObjectCommand { Uri = ["mem://t/d/"] }.With("Recurse");
        var ctx = _s.Context();
        ctx.OnShouldProcess = (target, _) => { if (target.EndsWith("/3")) cmd.Stop(); return true; };
        Assert.ThrowsAny<OperationCanceledException>(() => Run(cmd, ctx));
        // Deletes run a few at a time, so those approved before the stop may or may not have finished;
        // nothing from the stop onwards is deleted.
        var left = await _s.KeysAsync("mem://t/");
        Assert.Contains("d/3", left);
        Assert.Contains("d/4", left);
    }

    [Fact]
    public void Removes_a_local_file()
    {
        var path = _s.WriteFile("gone.txt", "x");
        var ctx = Run(new RemoveStorageObjectCommand { Uri = [path] });
        Assert.Empty(ctx.Errors);
        Assert.False(File.Exists(path));
    }

    [Fact]
    public async Task Recurse_removes_a_prefix_spanning_many_listing_pages_in_memory()
    {
        for (var i = 0; i < 2500; i++) await _s.PutAsync($"mem://t/big/{i:D5}", "x");
        await _s.PutAsync("mem://t/bigger", "keep");
        var ctx = Run(new RemoveStorageObjectCommand { Uri = ["mem://t/big/"] }.With("Recurse", "PassThru"));
        Assert.Empty(ctx.Errors);
        Assert.Equal(2500, ctx.Output.Count);
        Assert.Equal(["bigger"], await _s.KeysAsync("mem://t/"));
    }

    [Fact]
    public async Task Recurse_on_a_store_that_deletes_in_batches_asks_per_object_and_sends_only_approved_keys_in_batches()
    {
        for (var i = 0; i < 2500; i++) await _s.PutAsync($"s3://bucket/big/{i:D5}", "x");
        await _s.PutAsync("s3://bucket/bigger", "keep");
        var ctx = _s.Context();
        ctx.OnShouldProcess = (target, _) => target != "s3://bucket/big/00007";
        Run(new RemoveStorageObjectCommand { Uri = ["s3://bucket/big/"] }.With("Recurse", "PassThru"), ctx);
        Assert.Empty(ctx.Errors);
        Assert.Equal(2500, ctx.Questions.Count);
        Assert.Equal(2499, ctx.Output.Count);
        Assert.Equal([1000, 1000, 499], _s.Cloud.DeleteBatches.Select(b => b.Count).Order().Reverse());
        Assert.DoesNotContain("big/00007", _s.Cloud.DeleteBatches.SelectMany(b => b));
        Assert.Equal(0, _s.Cloud.SingleDeletes);
        Assert.Equal(["big/00007", "bigger"], await _s.KeysAsync("s3://bucket/"));
    }

    [Fact]
    public async Task A_key_refused_in_a_batch_is_one_error_for_that_object_and_the_others_are_removed()
    {
        foreach (var k in new[] { "a", "b", "c" }) await _s.PutAsync($"s3://bucket/dir/{k}", k);
        _s.Cloud.RefusedDeletes.Add("dir/b");
        var ctx = Run(new RemoveStorageObjectCommand { Uri = ["s3://bucket/dir/"] }.With("Recurse", "PassThru"));
        var error = Assert.Single(ctx.Errors);
        Assert.Equal(("StoragePermissionDenied", ErrorCategory.PermissionDenied, "s3://bucket/dir/b"), (error.ErrorId, error.Category, error.TargetObject));
        Assert.Equal(["s3://bucket/dir/a", "s3://bucket/dir/c"], ctx.Output.Cast<StorageItem>().Select(i => i.Uri).Order());
        Assert.Single(_s.Cloud.DeleteBatches);
        Assert.Equal(["dir/b"], await _s.KeysAsync("s3://bucket/"));
    }

    [Fact]
    public void Recurse_removes_a_local_tree_while_walking_it()
    {
        for (var d = 0; d < 5; d++)
            for (var f = 0; f < 30; f++) _s.WriteFile($"tree/d{d}/f{f:D2}.txt", "x");
        var keep = _s.WriteFile("treetop.txt", "keep");
        var root = Path.GetDirectoryName(keep)!;
        var ctx = Run(new RemoveStorageObjectCommand { Uri = [Path.Combine(root, "tree") + "/"] }.With("Recurse", "PassThru"));
        Assert.Empty(ctx.Errors);
        Assert.Equal(150, ctx.Output.Count);
        Assert.Empty(Directory.EnumerateFiles(Path.Combine(root, "tree"), "*", SearchOption.AllDirectories));
        Assert.True(File.Exists(keep));
    }
}
