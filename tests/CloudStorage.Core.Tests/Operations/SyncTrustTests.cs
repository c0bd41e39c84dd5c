using System.Text;
using CloudStorage.Core.Addressing;
using CloudStorage.Core.Errors;
using CloudStorage.Core.Model;
using CloudStorage.Core.Providers;
using CloudStorage.Core.Providers.Memory;
using CloudStorage.Core.Providers.Local;
using CloudStorage.Core.Sync;
using CloudStorage.Core.Transfer;

namespace CloudStorage.Core.Tests.Operations;

/// <summary>Sync as a contract across runs (issue 10): incremental everywhere, missing sources refused, plans that tell the truth.</summary>
public class SyncTrustTests
{
    private static readonly DateTimeOffset AnHourAgo = DateTimeOffset.UtcNow.AddHours(-1);
    private readonly SyncEngine _sync = new(new TransferEngine());

    private static async Task<CloudStorage.Core.Providers.Memory.MemoryStorageProvider> SeededAsync(DateTimeOffset mtime)
    {
        var src = Mem.Store();
        await src.PutAsync("a.txt", "alpha", mtime);
        await src.PutAsync("b.txt", "bravo", mtime);
        await src.PutAsync("sub/c.txt", "charlie", mtime);
        return src;
    }

    [Fact]
    public async Task A_second_sync_to_a_store_that_cannot_set_times_transfers_nothing_and_reads_no_object_properties()
    {
        var src = await SeededAsync(AnHourAgo);
        var dst = new UploadTimeStore(Mem.Store());
        var first = await _sync.RunAsync(src.At(""), new(dst, ""), new SyncOptions(), new Observer());
        Assert.Equal(3, first.Copied);

        var statsBefore = dst.Stats;
        var second = await _sync.RunAsync(src.At(""), new(dst, ""), new SyncOptions(), new Observer());
        Assert.Equal((0, 0, 3), (second.Copied, second.Updated, second.Unchanged));
        // Uploaded well after the source's time: the listing decides, no HEAD per object.
        Assert.Equal(statsBefore, dst.Stats);
    }

    [Fact]
    public async Task A_same_size_change_is_updated_on_a_store_that_cannot_set_times_even_right_after_the_upload()
    {
        var src = await SeededAsync(AnHourAgo);
        var dst = new UploadTimeStore(Mem.Store());
        await _sync.RunAsync(src.At(""), new(dst, ""), new SyncOptions(), new Observer());

        // Within a second of the upload: the listing cannot tell, the stored mtime does.
        await src.PutAsync("b.txt", "BRAVO", DateTimeOffset.UtcNow);
        var obs = new Observer();
        var run = await _sync.RunAsync(src.At(""), new(dst, ""), new SyncOptions(), obs);
        Assert.Equal((0, 1, 2), (run.Copied, run.Updated, run.Unchanged));
        Assert.Equal("b.txt", Assert.Single(obs.Results).Key);
        Assert.Equal("BRAVO", await dst.Store.TextAsync("b.txt"));
    }

    [Fact]
    public async Task The_rerun_of_an_interrupted_sync_copies_only_the_remainder()
    {
        var src = await SeededAsync(AnHourAgo);
        var dst = new UploadTimeStore(Mem.Store());
        // The interrupted run got as far as one object.
        await new TransferEngine().CopyAsync(src.At("a.txt"), new(dst, "a.txt"), new CopyRequest());

        var rerun = await _sync.RunAsync(src.At(""), new(dst, ""), new SyncOptions(), new Observer());
        Assert.Equal((2, 0, 1), (rerun.Copied, rerun.Updated, rerun.Unchanged));
    }

    [Fact]
    public async Task A_store_that_cannot_set_times_as_source_keeps_its_stored_time_at_the_destination_and_syncs_once()
    {
        var origin = await SeededAsync(AnHourAgo);
        var src = new UploadTimeStore(Mem.Store());
        await _sync.RunAsync(origin.At(""), new(src, ""), new SyncOptions(), new Observer());
        var dst = Mem.Store();

        Assert.Equal(3, (await _sync.RunAsync(new(src, ""), dst.At(""), new SyncOptions(), new Observer())).Copied);
        Assert.Equal(AnHourAgo, (await dst.StatAsync("a.txt"))!.LastModified);
        var second = await _sync.RunAsync(new(src, ""), dst.At(""), new SyncOptions(), new Observer());
        Assert.Equal((0, 0, 3), (second.Copied, second.Updated, second.Unchanged));
    }

    [Fact]
    public async Task Objects_written_by_rclone_are_recognised_by_their_mtime_metadata()
    {
        var src = await SeededAsync(AnHourAgo);
        var dst = new UploadTimeStore(Mem.Store());
        // rclone's S3 form: seconds since the epoch, nine decimals; written earlier, so the upload time is close.
        foreach (var key in new[] { "a.txt", "b.txt", "sub/c.txt" })
            await dst.Store.WriteAsync(key, new MemoryStream(Encoding.UTF8.GetBytes(await src.TextAsync(key))), new WriteOptions
            {
                Metadata = new Dictionary<string, string> { ["mtime"] = StoredModifiedTime.FormatUnixSeconds(AnHourAgo) },
                ModifiedTime = DateTimeOffset.UtcNow.AddHours(-1).AddSeconds(0.5),
            });
        var run = await _sync.RunAsync(src.At(""), new(dst, ""), new SyncOptions(), new Observer());
        Assert.Equal((0, 0, 3), (run.Copied, run.Updated, run.Unchanged));
    }

    [Theory]
    [InlineData("1715938215.250000000", "2024-05-17T09:30:15.2500000+00:00")]
    [InlineData("1715938215", "2024-05-17T09:30:15.0000000+00:00")]
    [InlineData("2024-05-17T09:30:15.250000000Z", "2024-05-17T09:30:15.2500000+00:00")]
    [InlineData("2024-05-17T11:30:15.25+02:00", "2024-05-17T09:30:15.2500000+00:00")]
    public void Rclone_mtime_is_read_in_both_of_its_forms(string text, string expected) =>
        Assert.Equal(DateTimeOffset.Parse(expected), StoredModifiedTime.Parse(text));

    [Fact]
    public void Stored_times_are_written_in_rclones_forms_and_gsutils_is_read()
    {
        var t = new DateTimeOffset(2024, 5, 17, 9, 30, 15, 250, TimeSpan.Zero);
        Assert.Equal("1715938215.250000000", StoredModifiedTime.FormatUnixSeconds(t));
        Assert.Equal("2024-05-17T09:30:15.250000000Z", StoredModifiedTime.FormatRfc3339Nano(t));
        Assert.Equal(t.AddMilliseconds(-250), StoredModifiedTime.Get(new Dictionary<string, string> { ["goog-reserved-file-mtime"] = "1715938215" }));
    }

    [Fact]
    public async Task A_missing_memory_store_as_source_is_NotFound_and_nothing_is_deleted()
    {
        var dst = Mem.Store();
        await dst.PutAsync("keep.txt", "x");
        var ex = await Assert.ThrowsAsync<StorageException>(() =>
            _sync.RunAsync(Mem.Store("never-written").At(""), dst.At(""), new SyncOptions { Delete = true }, new Observer()));
        Assert.Equal(StorageErrorKind.NotFound, ex.Kind);
        Assert.Equal(1, dst.Count);
    }

    [Fact]
    public async Task A_missing_local_folder_as_source_is_NotFound_before_anything_is_planned()
    {
        var root = Directory.CreateTempSubdirectory("cs-sync-missing-").FullName;
        try
        {
            var local = new LocalStorageProvider(root);
            var dst = Mem.Store();
            await dst.PutAsync("keep.txt", "x");
            var ex = await Assert.ThrowsAsync<StorageException>(() =>
                _sync.RunAsync(new StorageLocation(local, "mistyped-folder/"), dst.At(""), new SyncOptions { Delete = true }, new Observer()));
            Assert.Equal(StorageErrorKind.NotFound, ex.Kind);
            Assert.Contains("mistyped-folder", ex.Message);
            Assert.Equal(1, dst.Count);
            await Assert.ThrowsAsync<StorageException>(async () =>
                await _sync.PlanAsync(new StorageLocation(local, "mistyped-folder/"), dst.At(""), new SyncOptions { Delete = true }).ToListAsync());
        }
        finally { Directory.Delete(root, recursive: true); }
    }

    [Fact]
    public async Task An_empty_source_with_Delete_deletes_nothing_unless_AllowEmptySource_says_so()
    {
        var src = await Mem.EmptyStoreAsync();
        var dst = Mem.Store();
        await dst.PutAsync("keep.txt", "x");
        var ex = await Assert.ThrowsAsync<StorageException>(() => _sync.RunAsync(src.At(""), dst.At(""), new SyncOptions { Delete = true }, new Observer()));
        Assert.Equal(StorageErrorKind.InvalidArgument, ex.Kind);
        Assert.Contains("AllowEmptySource", ex.Message);
        Assert.Equal(1, dst.Count);

        // Without -Delete an empty source is nothing to do; with the switch it empties the destination.
        Assert.Equal(0, (await _sync.RunAsync(src.At(""), dst.At(""), new SyncOptions(), new Observer())).Deleted);
        Assert.Equal(1, (await _sync.RunAsync(src.At(""), dst.At(""), new SyncOptions { Delete = true, AllowEmptySource = true }, new Observer())).Deleted);
        Assert.Equal(0, dst.Count);
    }

    [Fact]
    public async Task The_WhatIf_plan_holds_back_deletions_beyond_MaxDelete_as_the_run_does()
    {
        var src = Mem.Store(); var dst = Mem.Store();
        await src.PutAsync("new.txt", "n");
        for (var i = 0; i < 3; i++) await dst.PutAsync($"old{i}", "x");
        var options = new SyncOptions { Delete = true, MaxDelete = 2 };

        var plan = await _sync.PlanAsync(src.At(""), dst.At(""), options).ToListAsync();
        var deletes = plan.Where(a => a.Action == SyncActionKind.Delete).ToList();
        Assert.Equal(3, deletes.Count);
        Assert.All(deletes, a => Assert.Equal(SyncActionStatus.NotPerformed, a.Status));
        Assert.All(deletes, a => Assert.Contains("-MaxDelete 2", a.Error));
        Assert.Equal(SyncActionStatus.Planned, Assert.Single(plan, a => a.Action == SyncActionKind.Copy).Status);
        Assert.Equal(3, dst.Count);
    }

    [Fact]
    public async Task The_WhatIf_plan_and_its_summary_are_what_the_run_then_does()
    {
        var src = await SeededAsync(AnHourAgo);
        var dst = Mem.Store();
        await dst.PutAsync("b.txt", "BRAVO", DateTimeOffset.UtcNow);
        await dst.PutAsync("gone.txt", "g");
        await new TransferEngine().CopyAsync(src.At("a.txt"), dst.At("a.txt"), new CopyRequest());
        var options = new SyncOptions { Delete = true };

        var planObserver = new Observer();
        var planSummary = await _sync.RunAsync(src.At(""), dst.At(""), options with { DryRun = true }, planObserver);
        Assert.Equal(3, dst.Count); // nothing changed
        var runObserver = new Observer();
        var runSummary = await _sync.RunAsync(src.At(""), dst.At(""), options, runObserver);

        static string Shape(IEnumerable<SyncAction> actions) => string.Join(",", actions.Select(a => $"{a.Action}:{a.Key}").Order(StringComparer.Ordinal));
        Assert.Equal(Shape(runObserver.Results), Shape(planObserver.Results));
        Assert.All(planObserver.Results, a => Assert.Equal(SyncActionStatus.Planned, a.Status));
        Assert.True(planSummary.WhatIf);
        Assert.Equal((runSummary.Copied, runSummary.Updated, runSummary.Deleted, runSummary.Unchanged, runSummary.BytesTransferred),
            (planSummary.Copied, planSummary.Updated, planSummary.Deleted, planSummary.Unchanged, planSummary.BytesTransferred));
        Assert.Equal((1, 1, 1, 1), (runSummary.Copied, runSummary.Updated, runSummary.Deleted, runSummary.Unchanged));
    }

    [Fact]
    public async Task Sync_stops_on_an_unsorted_source_listing_before_deleting_anything()
    {
        var src = new UnsortedListingStore(Mem.Store());
        await src.Store.PutAsync("a", "1"); await src.Store.PutAsync("b", "2"); await src.Store.PutAsync("c", "3");
        var dst = Mem.Store();
        await dst.PutAsync("z", "9");
        var observer = new Observer();
        var summary = await _sync.RunAsync(new(src, ""), dst.At(""), new SyncOptions { Delete = true }, observer);
        Assert.Equal(StorageErrorKind.Conflict, Assert.Single(observer.PlanFailures).Kind);
        Assert.NotNull(summary.Error);
        Assert.True(summary.Failed >= 1);
        Assert.Equal(0, summary.Deleted);
        Assert.NotNull(await dst.StatAsync("z"));
    }

    [Fact]
    public async Task Sync_stops_on_an_unsorted_destination_listing_before_deleting_anything()
    {
        // The destination lists c before b.
        var src = Mem.Store();
        await src.PutAsync("a", "1"); await src.PutAsync("d", "4");
        var dst = new UnsortedListingStore(Mem.Store());
        await dst.Store.PutAsync("b", "2"); await dst.Store.PutAsync("c", "3");
        var observer = new Observer();
        var summary = await _sync.RunAsync(src.At(""), new(dst, ""), new SyncOptions { Delete = true }, observer);
        Assert.Equal(StorageErrorKind.Conflict, Assert.Single(observer.PlanFailures).Kind);
        Assert.Equal(0, summary.Deleted);
        // Copies planned before the disorder may have run; nothing was deleted.
        Assert.NotNull(await dst.Store.StatAsync("b"));
        Assert.NotNull(await dst.Store.StatAsync("c"));
    }

    [Fact]
    public async Task A_listing_that_fails_part_way_ends_the_sync_with_its_summary_the_copies_made_and_no_delete()
    {
        var src = new ListingFailsAfter(Mem.Store(), after: 2);
        foreach (var k in new[] { "a", "b", "c", "d" }) await src.Store.PutAsync(k, k);
        var dst = Mem.Store();
        await dst.PutAsync("zz-extra", "x");
        var observer = new Observer();
        var summary = await _sync.RunAsync(new(src, ""), dst.At(""), new SyncOptions { Delete = true, Parallelism = 1 }, observer);
        Assert.Equal(StorageErrorKind.Transient, Assert.Single(observer.PlanFailures).Kind);
        Assert.Contains("listing broke", summary.Error);
        Assert.Equal(1, summary.Failed);
        Assert.Equal(0, summary.Deleted);
        Assert.True(summary.Copied >= 1, "the objects planned before the failure are copied");
        Assert.NotNull(await dst.StatAsync("zz-extra"));
    }

    private sealed class ListingFailsAfter(MemoryStorageProvider store, int after) : ProviderDecorator(store)
    {
        public MemoryStorageProvider Store => store;
        public override string Name => "failing-list-" + Inner.Name;
        public override string AddressRoot => Inner.AddressRoot;
        public override string ToInnerKey(string key) => key;
        public override string FromInnerKey(string innerKey) => innerKey;
        public override async IAsyncEnumerable<StorageItem> ListAsync(ListRequest request,
            [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
        {
            var n = 0;
            await foreach (var item in base.ListAsync(request, cancellationToken))
            {
                // The existence check lists one item; the planner's listing breaks after `after` items.
                if (request.PageSize != 1 && n++ == after) throw new StorageException(StorageErrorKind.Transient, "listing broke", "mem://x/");
                yield return item;
            }
        }
    }

    private sealed class Observer : ISyncObserver
    {
        public List<SyncAction> Results { get; } = [];
        public List<StorageException> PlanFailures { get; } = [];
        public void OnPlanFailed(StorageException error) => PlanFailures.Add(error);
        public bool ShouldProcess(SyncAction planned) => true;
        public void OnAction(SyncAction result) { lock (Results) Results.Add(result); }
        public void OnProgress(TransferProgress progress) { }
    }
}
