using System.Management.Automation;
using CloudStorage.Core.Model;
using CloudStorage.PowerShell.Cmdlets;
using CloudStorage.PowerShell.Infrastructure;
using CloudStorage.PowerShell.Tests.Support;

namespace CloudStorage.PowerShell.Tests.Cmdlets;

public sealed class SyncStorageProviderTests : IDisposable
{
    private readonly TestStores _s = new();
    public void Dispose() => _s.Dispose();

    private RecordingContext Run(SyncStorageProviderCommand cmd, RecordingContext? ctx = null) => cmd.Invoke(ctx ?? _s.Context());

    private async Task SeedAsync()
    {
        await _s.PutAsync("mem://src/same.txt", "same");
        await _s.PutAsync("mem://src/changed.txt", "new content");
        await _s.PutAsync("mem://src/new.txt", "n");
        await _s.PutAsync("mem://dst/same.txt", "same");
        await _s.PutAsync("mem://dst/changed.txt", "old");
        await _s.PutAsync("mem://dst/extra.txt", "x");
    }

    [Fact]
    public async Task Copies_missing_and_changed_objects_and_ends_with_the_summary()
    {
        await SeedAsync();
        var ctx = Run(new SyncStorageProviderCommand { Source = "mem://src/", Destination = "mem://dst/" });
        var actions = ctx.OutputOf<SyncAction>().OrderBy(a => a.Key).ToList();
        Assert.Equal([("changed.txt", SyncActionKind.Update), ("new.txt", SyncActionKind.Copy)], actions.Select(a => (a.Key, a.Action)));
        Assert.All(actions, a => Assert.Equal(SyncActionStatus.Completed, a.Status));
        var summary = Assert.IsType<SyncSummary>(ctx.Output[^1]);
        Assert.Equal((1, 1, 0, 1, false), (summary.Copied, summary.Updated, summary.Deleted, summary.Unchanged, summary.WhatIf));
        Assert.Equal("new content", await _s.TextAsync("mem://dst/changed.txt"));
        Assert.Equal("x", await _s.TextAsync("mem://dst/extra.txt"));
    }

    [Fact]
    public async Task Delete_removes_what_the_source_does_not_have()
    {
        await SeedAsync();
        var ctx = Run(new SyncStorageProviderCommand { Source = "mem://src/", Destination = "mem://dst/" }.With("Delete"));
        Assert.Contains(ctx.OutputOf<SyncAction>(), a => a.Action == SyncActionKind.Delete && a.Key == "extra.txt" && a.Status == SyncActionStatus.Completed);
        Assert.Equal(["changed.txt", "new.txt", "same.txt"], await _s.KeysAsync("mem://dst/"));
        Assert.Equal(1, ctx.OutputOf<SyncSummary>().Single().Deleted);
    }

    [Fact]
    public async Task WhatIf_writes_the_plan_and_a_WhatIf_summary_and_changes_nothing()
    {
        await SeedAsync();
        var ctx = _s.Context();
        ctx.WhatIfRequested = true;
        Run(new SyncStorageProviderCommand { Source = "mem://src/", Destination = "mem://dst/" }.With("Delete"), ctx);
        var plan = ctx.OutputOf<SyncAction>().ToList();
        Assert.Equal(3, plan.Count);
        Assert.All(plan, a => Assert.Equal(SyncActionStatus.Planned, a.Status));
        Assert.Equal(3, ctx.Questions.Count);
        Assert.Contains(ctx.Questions, q => q.Target == "mem://dst/extra.txt" && q.Action.StartsWith("Delete"));
        var summary = Assert.IsType<SyncSummary>(ctx.Output[^1]);
        Assert.True(summary.WhatIf);
        Assert.Equal((1, 1, 1), (summary.Copied, summary.Updated, summary.Deleted));
        Assert.Equal("old", await _s.TextAsync("mem://dst/changed.txt"));
        Assert.Equal(["changed.txt", "extra.txt", "same.txt"], await _s.KeysAsync("mem://dst/"));
    }

    [Fact]
    public async Task Declined_actions_are_not_performed()
    {
        await SeedAsync();
        var ctx = _s.Context();
        ctx.ShouldProcessAnswer = false;
        Run(new SyncStorageProviderCommand { Source = "mem://src/", Destination = "mem://dst/" }.With("Delete"), ctx);
        Assert.All(ctx.OutputOf<SyncAction>(), a => Assert.Equal(SyncActionStatus.NotPerformed, a.Status));
        Assert.Equal(3, ctx.OutputOf<SyncSummary>().Single().NotPerformed);
        Assert.Equal("old", await _s.TextAsync("mem://dst/changed.txt"));
        Assert.Equal(["changed.txt", "extra.txt", "same.txt"], await _s.KeysAsync("mem://dst/"));
    }

    [Fact]
    public async Task MaxDelete_holds_deletions_back_with_a_warning()
    {
        await SeedAsync();
        await _s.PutAsync("mem://dst/extra2.txt", "x");
        var ctx = Run(new SyncStorageProviderCommand { Source = "mem://src/", Destination = "mem://dst/", MaxDelete = 1 }.With("Delete"));
        Assert.Equal(2, ctx.Warnings.Count);
        Assert.Contains("MaxDelete", ctx.Warnings[0]);
        Assert.NotNull(await _s.StatAsync("mem://dst/extra.txt"));
        Assert.NotNull(await _s.StatAsync("mem://dst/extra2.txt"));
    }

    [Fact]
    public async Task A_failed_copy_is_an_error_and_holds_deletions_back()
    {
        await _s.PutAsync("s3://bucket/src/a.bin", new string('a', 5000));
        await _s.PutAsync("mem://dst/stale", "s");
        _s.Cloud.FailReadsAfter = 100;
        var ctx = Run(new SyncStorageProviderCommand { Source = "s3://bucket/src/", Destination = "mem://dst/" }.With("Delete"));
        var error = Assert.Single(ctx.Errors);
        Assert.Equal(("StorageSyncActionFailed", ErrorCategory.WriteError, "mem://dst/a.bin"), (error.ErrorId, error.Category, error.TargetObject));
        Assert.Contains(ctx.OutputOf<SyncAction>(), a => a.Key == "a.bin" && a.Status == SyncActionStatus.Failed);
        Assert.Equal(1, ctx.OutputOf<SyncSummary>().Single().Failed);
        Assert.NotNull(await _s.StatAsync("mem://dst/stale"));
        Assert.Null(await _s.StatAsync("mem://dst/a.bin"));
    }

    [Fact]
    public async Task Overlapping_trees_stop_the_command_before_any_change()
    {
        await _s.PutAsync("mem://src/a", "a");
        var ex = Assert.Throws<TerminatingErrorException>(() => Run(new SyncStorageProviderCommand { Source = "mem://src/", Destination = "mem://src/copy/" }));
        Assert.Equal(ErrorCategory.InvalidArgument, ex.Record.Category);
        Assert.Equal(["a"], await _s.KeysAsync("mem://src/"));
    }

    [Fact]
    public void Invalid_parallelism_or_an_unknown_provider_stops_the_command()
    {
        Assert.Throws<TerminatingErrorException>(() => Run(new SyncStorageProviderCommand { Source = "mem://a/", Destination = "mem://b/", Parallelism = 0 }));
        var unknown = Assert.Throws<TerminatingErrorException>(() => Run(new SyncStorageProviderCommand { Source = "nosuch:", Destination = "mem://b/" }));
        Assert.Equal(ErrorCategory.ObjectNotFound, unknown.Record.Category);
    }

    [Fact]
    public async Task Actions_and_progress_are_written_on_the_pipeline_thread()
    {
        await SeedAsync();
        var ctx = Run(new SyncStorageProviderCommand { Source = "mem://src/", Destination = "mem://dst/", Parallelism = 8 });
        Assert.Equal([Environment.CurrentManagedThreadId], ctx.Threads);
        Assert.True(ctx.Progress.Count > 0);
        Assert.True(ctx.Progress[^1].Completed);
    }

    [Fact]
    public async Task Syncs_a_local_folder_to_memory()
    {
        _s.WriteFile("tree/a.txt", "a");
        _s.WriteFile("tree/sub/b.txt", "b");
        var ctx = Run(new SyncStorageProviderCommand { Source = Path.Combine(_s.Temp, "tree") + "/", Destination = "mem://dst/" });
        Assert.Equal(2, ctx.OutputOf<SyncSummary>().Single().Copied);
        Assert.Equal(["a.txt", "sub/b.txt"], await _s.KeysAsync("mem://dst/"));
    }
}
