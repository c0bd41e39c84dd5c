using CloudStorage.Core.Errors;
using CloudStorage.Core.Model;
using CloudStorage.Core.Providers;
using CloudStorage.Core.Providers.Memory;
using CloudStorage.Core.Sync;
using CloudStorage.Core.Transfer;

namespace CloudStorage.Core.Tests.Operations;

public class SyncEngineTests
{
    private static readonly DateTimeOffset T0 = new(2024, 5, 1, 12, 0, 0, TimeSpan.Zero);
    private readonly SyncEngine _sync = new(new TransferEngine());

    [Fact]
    public async Task Sync_copies_missing_objects_and_reports_one_action_each()
    {
        var src = Mem.Store(); var dst = Mem.Store();
        await src.PutAsync("a.txt", "A"); await src.PutAsync("d/b.txt", "B");
        var obs = new Observer();
        var summary = await _sync.RunAsync(src.At(""), dst.At("backup/"), new SyncOptions(), obs);
        Assert.Equal(2, summary.Copied);
        Assert.Equal(["a.txt", "d/b.txt"], obs.Results.Select(a => a.Key).Order().ToArray());
        Assert.All(obs.Results, a => Assert.Equal(SyncActionStatus.Completed, a.Status));
        Assert.Equal("B", await dst.TextAsync("backup/d/b.txt"));
        Assert.Equal(dst.AddressRoot + "backup/d/b.txt", obs.Results.Single(a => a.Key == "d/b.txt").Uri);
    }

    [Fact]
    public async Task Second_sync_finds_nothing_to_do()
    {
        var src = Mem.Store(); var dst = Mem.Store();
        await src.PutAsync("a", "1", T0); await src.PutAsync("b", "2", T0);
        await _sync.RunAsync(src.At(""), dst.At(""), new SyncOptions(), new Observer());
        var obs = new Observer();
        var summary = await _sync.RunAsync(src.At(""), dst.At(""), new SyncOptions(), obs);
        Assert.Empty(obs.Results);
        Assert.Equal(2, summary.Unchanged);
    }

    [Fact]
    public async Task Changed_content_of_equal_size_is_detected_by_the_common_hash()
    {
        var src = Mem.Store(); var dst = Mem.Store();
        await src.PutAsync("k", "abc", T0); await dst.PutAsync("k", "xyz", T0);
        var plan = await _sync.PlanAsync(src.At(""), dst.At(""), new SyncOptions()).ToListAsync();
        var action = Assert.Single(plan);
        Assert.Equal(SyncActionKind.Update, action.Action);
        Assert.Contains("MD5", action.Reason);
    }

    [Fact]
    public async Task Without_a_common_hash_equal_size_and_time_count_as_in_sync_and_a_newer_time_does_not()
    {
        var src = new NoHashProvider(Mem.Store()); var dst = new NoHashProvider(Mem.Store());
        await ((MemoryStorageProvider)src.Inner).PutAsync("same", "abc", T0);
        await ((MemoryStorageProvider)dst.Inner).PutAsync("same", "xyz", T0);
        await ((MemoryStorageProvider)src.Inner).PutAsync("newer", "abc", T0.AddHours(1));
        await ((MemoryStorageProvider)dst.Inner).PutAsync("newer", "abc", T0);
        var plan = await _sync.PlanAsync(new(src, ""), new(dst, ""), new SyncOptions()).ToListAsync();
        var action = Assert.Single(plan);
        Assert.Equal("newer", action.Key);
        Assert.Contains("modification time", action.Reason);
    }

    [Fact]
    public async Task Size_difference_is_an_update()
    {
        var src = Mem.Store(); var dst = Mem.Store();
        await src.PutAsync("k", "longer", T0); await dst.PutAsync("k", "short", T0);
        var action = Assert.Single(await _sync.PlanAsync(src.At(""), dst.At(""), new SyncOptions()).ToListAsync());
        Assert.Equal(SyncActionKind.Update, action.Action);
        Assert.Contains("size", action.Reason);
    }

    [Fact]
    public async Task Extraneous_objects_are_kept_without_Delete()
    {
        var src = await Mem.EmptyStoreAsync(); var dst = Mem.Store();
        await dst.PutAsync("old", "x");
        var summary = await _sync.RunAsync(src.At(""), dst.At(""), new SyncOptions(), new Observer());
        Assert.Equal(0, summary.Deleted);
        Assert.NotNull(await dst.StatAsync("old"));
    }

    [Fact]
    public async Task Sync_with_Delete_removes_extraneous_objects_only_after_copies_succeed()
    {
        var src = Mem.Store(); var dst = Mem.Store();
        await src.PutAsync("keep", "1"); await dst.PutAsync("old", "x");
        var obs = new Observer();
        var summary = await _sync.RunAsync(src.At(""), dst.At(""), new SyncOptions { Delete = true }, obs);
        Assert.Equal(1, summary.Deleted);
        Assert.Null(await dst.StatAsync("old"));
        // The delete comes after every copy.
        Assert.Equal([SyncActionKind.Copy, SyncActionKind.Delete], obs.Results.Select(a => a.Action).ToArray());
    }

    [Fact]
    public async Task A_failed_copy_holds_back_every_delete()
    {
        var src = Mem.Store(); var dst = new FailingWrites(Mem.Store(), failKey: "bad");
        await src.PutAsync("bad", "1"); await src.PutAsync("good", "2");
        await ((MemoryStorageProvider)dst.Inner).PutAsync("old", "x");
        var obs = new Observer();
        var summary = await _sync.RunAsync(src.At(""), new(dst, ""), new SyncOptions { Delete = true }, obs);
        Assert.Equal(1, summary.Failed);
        Assert.Equal(0, summary.Deleted);
        var del = obs.Results.Single(a => a.Action == SyncActionKind.Delete);
        Assert.Equal(SyncActionStatus.NotPerformed, del.Status);
        Assert.Contains("failed", del.Error);
        Assert.NotNull(await dst.StatAsync("old"));
        Assert.NotNull(await dst.StatAsync("good"));
    }

    [Fact]
    public async Task MaxDelete_guard_deletes_nothing_when_exceeded()
    {
        var src = await Mem.EmptyStoreAsync(); var dst = Mem.Store();
        for (var i = 0; i < 5; i++) await dst.PutAsync($"old{i}", "x");
        var obs = new Observer();
        var summary = await _sync.RunAsync(src.At(""), dst.At(""), new SyncOptions { AllowEmptySource = true, Delete = true, MaxDelete = 4 }, obs);
        Assert.Equal(0, summary.Deleted);
        Assert.Equal(5, summary.NotPerformed);
        Assert.Equal(5, dst.Count);
        Assert.All(obs.Results, a => Assert.Contains("-MaxDelete 4", a.Error));
    }

    [Fact]
    public async Task MaxDelete_allows_deletes_up_to_the_limit()
    {
        var src = await Mem.EmptyStoreAsync(); var dst = Mem.Store();
        for (var i = 0; i < 3; i++) await dst.PutAsync($"old{i}", "x");
        var summary = await _sync.RunAsync(src.At(""), dst.At(""), new SyncOptions { AllowEmptySource = true, Delete = true, MaxDelete = 3 }, new Observer());
        Assert.Equal(3, summary.Deleted);
        Assert.Equal(0, dst.Count);
    }

    [Fact]
    public async Task Sync_with_Delete_deletes_in_batches_where_the_destination_can_after_every_copy()
    {
        var src = Mem.Store(); var dst = new BatchDeletingStore(Mem.Store(), maxBatchSize: 2);
        await src.PutAsync("keep", "1");
        for (var i = 0; i < 5; i++) await dst.Store.PutAsync($"old{i}", "x");
        var obs = new Observer();
        var summary = await _sync.RunAsync(src.At(""), new(dst, ""), new SyncOptions { Delete = true }, obs);
        Assert.Equal(5, summary.Deleted);
        // Two full batches; the odd key left over takes the plain delete.
        Assert.Equal(["old0", "old1", "old2", "old3"], dst.Batches.SelectMany(b => b).Order());
        Assert.All(dst.Batches, b => Assert.Equal(2, b.Count));
        Assert.Equal(1, dst.SingleDeletes);
        Assert.Equal(["keep"], (await dst.Store.ListAsync(ListRequest.Recursive()).ToListAsync()).Select(i => i.Key));
        Assert.Equal(SyncActionKind.Copy, obs.Results[0].Action);
        Assert.All(obs.Results.Skip(1), a => Assert.Equal((SyncActionKind.Delete, SyncActionStatus.Completed), (a.Action, a.Status)));
    }

    [Fact]
    public async Task A_failed_copy_holds_back_batched_deletes_and_MaxDelete_still_guards_them()
    {
        var batching = new BatchDeletingStore(Mem.Store());
        var src = await Mem.EmptyStoreAsync(); var dst = new FailingWrites(batching, failKey: "bad");
        await src.PutAsync("bad", "1");
        for (var i = 0; i < 3; i++) await batching.Store.PutAsync($"old{i}", "x");
        var summary = await _sync.RunAsync(src.At(""), new(dst, ""), new SyncOptions { AllowEmptySource = true, Delete = true }, new Observer());
        Assert.Equal((1, 0, 3), (summary.Failed, summary.Deleted, summary.NotPerformed));

        var guarded = new BatchDeletingStore(Mem.Store());
        for (var i = 0; i < 3; i++) await guarded.Store.PutAsync($"old{i}", "x");
        var guardedSummary = await _sync.RunAsync((await Mem.EmptyStoreAsync()).At(""), new(guarded, ""), new SyncOptions { AllowEmptySource = true, Delete = true, MaxDelete = 2 }, new Observer());
        Assert.Equal((0, 3), (guardedSummary.Deleted, guardedSummary.NotPerformed));

        Assert.Empty(batching.Batches);
        Assert.Empty(guarded.Batches);
        Assert.Equal(0, batching.SingleDeletes + guarded.SingleDeletes);
        Assert.Equal(3, batching.Store.Count);
        Assert.Equal(3, guarded.Store.Count);
    }

    [Fact]
    public async Task A_key_refused_in_a_batched_delete_is_a_Failed_action_and_the_others_complete()
    {
        var src = await Mem.EmptyStoreAsync(); var dst = new BatchDeletingStore(Mem.Store());
        for (var i = 0; i < 4; i++) await dst.Store.PutAsync($"old{i}", "x");
        dst.Refused["old2"] = true;
        var obs = new Observer();
        var summary = await _sync.RunAsync(src.At(""), new(dst, ""), new SyncOptions { AllowEmptySource = true, Delete = true }, obs);
        Assert.Equal((3, 1), (summary.Deleted, summary.Failed));
        var failed = Assert.Single(obs.Results, a => a.Status == SyncActionStatus.Failed);
        Assert.Equal("old2", failed.Key);
        Assert.Contains("denied", failed.Error);
        Assert.Single(dst.Batches);
        Assert.Equal(["old2"], (await dst.Store.ListAsync(ListRequest.Recursive()).ToListAsync()).Select(i => i.Key));
    }

    [Fact]
    public async Task Declined_deletes_are_not_sent_in_the_batch()
    {
        var src = await Mem.EmptyStoreAsync(); var dst = new BatchDeletingStore(Mem.Store());
        for (var i = 0; i < 4; i++) await dst.Store.PutAsync($"old{i}", "x");
        var obs = new Observer { Approve = a => a.Key != "old1" };
        var summary = await _sync.RunAsync(src.At(""), new(dst, ""), new SyncOptions { AllowEmptySource = true, Delete = true }, obs);
        Assert.Equal((3, 1), (summary.Deleted, summary.NotPerformed));
        Assert.Equal(4, obs.Questions.Count);
        Assert.Equal(["old0", "old2", "old3"], Assert.Single(dst.Batches).Order());
        Assert.Equal(["old1"], (await dst.Store.ListAsync(ListRequest.Recursive()).ToListAsync()).Select(i => i.Key));
    }

    [Fact]
    public async Task Plan_has_no_side_effects()
    {
        var src = Mem.Store(); var dst = Mem.Store();
        await src.PutAsync("new", "1"); await dst.PutAsync("old", "x");
        var plan = await _sync.PlanAsync(src.At(""), dst.At(""), new SyncOptions { Delete = true }).ToListAsync();
        Assert.Equal([SyncActionKind.Copy, SyncActionKind.Delete], plan.Select(a => a.Action).ToArray());
        Assert.All(plan, a => Assert.Equal(SyncActionStatus.Planned, a.Status));
        Assert.Null(await dst.StatAsync("new"));
        Assert.NotNull(await dst.StatAsync("old"));
    }

    [Fact]
    public async Task Declined_actions_are_not_performed()
    {
        var src = Mem.Store(); var dst = Mem.Store();
        await src.PutAsync("a", "1"); await src.PutAsync("b", "2");
        var obs = new Observer { Approve = a => a.Key == "a" };
        var summary = await _sync.RunAsync(src.At(""), dst.At(""), new SyncOptions(), obs);
        Assert.Equal(1, summary.Copied);
        Assert.Equal(1, summary.NotPerformed);
        Assert.Null(await dst.StatAsync("b"));
        Assert.Equal(2, obs.Questions.Count);
    }

    [Fact]
    public async Task Planner_merges_keys_in_utf8_order_where_utf16_order_differs()
    {
        // U+FF5E sorts after U+1F600 in UTF-16 code units but before it in UTF-8 / code points.
        var src = Mem.Store(); var dst = Mem.Store();
        await src.PutAsync("\uFF5E", "1", T0); await src.PutAsync("\U0001F600", "2", T0);
        await dst.PutAsync("\uFF5E", "1", T0); await dst.PutAsync("\U0001F600", "2", T0);
        var plan = await _sync.PlanAsync(src.At(""), dst.At(""), new SyncOptions { Delete = true }).ToListAsync();
        Assert.Empty(plan);
    }

    [Fact]
    public async Task A_single_object_as_source_is_refused_with_a_pointer_to_Copy()
    {
        var src = Mem.Store(); var dst = Mem.Store();
        await src.PutAsync("file.txt", "x");
        var ex = await Assert.ThrowsAsync<StorageException>(() => _sync.RunAsync(src.At("file.txt"), dst.At(""), new SyncOptions(), new Observer()));
        Assert.Equal(StorageErrorKind.InvalidArgument, ex.Kind);
        Assert.Contains("Copy-StorageObject", ex.Message);
        Assert.Equal(0, dst.Count);
    }

    [Fact]
    public async Task A_source_folder_written_without_a_slash_syncs_its_content()
    {
        var src = Mem.Store(); var dst = Mem.Store();
        await src.PutAsync("data/a", "1");
        var summary = await _sync.RunAsync(src.At("data"), dst.At("copy"), new SyncOptions(), new Observer());
        Assert.Equal(1, summary.Copied);
        Assert.Equal("1", await dst.TextAsync("copy/a"));
    }

    [Fact]
    public async Task Overlapping_source_and_destination_are_refused()
    {
        var a = Mem.Store();
        var ex = await Assert.ThrowsAsync<StorageException>(() => _sync.RunAsync(a.At("data/"), a.At("data/copy/"), new SyncOptions(), new Observer()));
        Assert.Equal(StorageErrorKind.InvalidArgument, ex.Kind);
    }

    [Fact]
    public async Task Many_copies_run_in_parallel_and_all_land()
    {
        var src = Mem.Store(); var dst = Mem.Store();
        for (var i = 0; i < 200; i++) await src.PutAsync($"f/{i:D4}", new string('x', i));
        var summary = await _sync.RunAsync(src.At("f/"), dst.At("g/"), new SyncOptions { Parallelism = 8 }, new Observer());
        Assert.Equal(200, summary.Copied);
        Assert.Equal(200, dst.Count);
        Assert.Equal(Enumerable.Range(0, 200).Sum(i => (long)i), summary.BytesTransferred);
    }

    [Fact]
    public async Task Checksum_mode_compares_hashes_even_when_times_match()
    {
        var src = Mem.Store(); var dst = Mem.Store();
        await src.PutAsync("k", "abc", T0); await dst.PutAsync("k", "abd", T0);
        var plan = await _sync.PlanAsync(src.At(""), dst.At(""), new SyncOptions { Checksum = true }).ToListAsync();
        Assert.Equal(SyncActionKind.Update, Assert.Single(plan).Action);
    }

    [Fact]
    public async Task Cancellation_stops_the_sync()
    {
        var src = Mem.Store(); var dst = Mem.Store();
        for (var i = 0; i < 50; i++) await src.PutAsync($"{i}", "x");
        using var cts = new CancellationTokenSource();
        var obs = new Observer { OnResult = _ => cts.Cancel() };
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => _sync.RunAsync(src.At(""), dst.At(""), new SyncOptions { Parallelism = 1 }, obs, cts.Token));
        Assert.True(dst.Count < 50);
    }

    internal sealed class Observer : ISyncObserver
    {
        public List<SyncAction> Results { get; } = new();
        public List<SyncAction> Questions { get; } = new();
        public Func<SyncAction, bool> Approve { get; init; } = _ => true;
        public Action<SyncAction>? OnResult { get; init; }
        public bool ShouldProcess(SyncAction planned) { Questions.Add(planned); return Approve(planned); }
        public void OnAction(SyncAction result) { Results.Add(result); OnResult?.Invoke(result); }
        public void OnProgress(TransferProgress progress) { }
    }

    private sealed class NoHashProvider(IStorageProvider inner) : ProviderDecorator(inner)
    {
        public override string Name => "nohash-" + Inner.Name;
        public override string AddressRoot => Inner.AddressRoot;
        protected override ProviderCapabilities Decorate(ProviderCapabilities inner) => base.Decorate(inner) with
        {
            ListedHashes = new HashSet<HashAlgorithmKind>(), HashSource = null, ModifiedTimePrecision = TimeSpan.FromSeconds(1),
        };
        public override string ToInnerKey(string key) => key;
        public override string FromInnerKey(string innerKey) => innerKey;
        public override async IAsyncEnumerable<StorageItem> ListAsync(ListRequest request, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
        {
            await foreach (var i in base.ListAsync(request, cancellationToken)) yield return i with { Hashes = [] };
        }
    }

    private sealed class FailingWrites(IStorageProvider inner, string failKey) : ProviderDecorator(inner)
    {
        public override string Name => "failing";
        public override string AddressRoot => "failing:";
        protected override ProviderCapabilities Decorate(ProviderCapabilities inner) => base.Decorate(inner) with { Copier = null };
        public override string ToInnerKey(string key) => key;
        public override string FromInnerKey(string innerKey) => innerKey;
        public override Task<StorageItem> WriteAsync(string key, Stream content, WriteOptions options, CancellationToken cancellationToken = default) =>
            key == failKey
                ? throw new StorageException(StorageErrorKind.Transient, $"write of '{key}' failed", key)
                : base.WriteAsync(key, content, options, cancellationToken);
    }
}
