using System.Diagnostics;
using System.Text;
using CloudStorage.Core.Addressing;
using CloudStorage.Core.Errors;
using CloudStorage.Core.Integrity;
using CloudStorage.Core.Model;
using CloudStorage.Core.Providers;
using CloudStorage.Core.Providers.Composite;
using CloudStorage.Core.Providers.Local;
using CloudStorage.Core.Providers.Memory;
using CloudStorage.Core.Sync;
using CloudStorage.Core.Tests.Operations;
using CloudStorage.Core.Transfer;

namespace CloudStorage.Core.Tests.Composite;

public class ReplicatedProviderTests
{
    private static (ReplicatedStorageProvider Media, SwitchableStore[] Stores) Replicated(ReplicaPolicy policy = ReplicaPolicy.All, bool withBreakers = false, params bool[] copiers)
    {
        var stores = (copiers.Length == 0 ? [true, true, true] : copiers).Select(c => new SwitchableStore(Mem.Store(), c)).ToArray();
        var breakers = withBreakers ? stores.Select(_ => (IReplicaBreaker)new CountingBreaker()).ToList() : null;
        return (new ReplicatedStorageProvider("media", stores, policy, breakers), stores);
    }

    private static async Task<StorageItem> PutAsync(IStorageProvider p, string key, string text) =>
        await p.WriteAsync(key, new MemoryStream(Encoding.UTF8.GetBytes(text)), new WriteOptions { Length = Encoding.UTF8.GetByteCount(text) });

    [Fact]
    public async Task Replica_write_reaches_every_replica_and_reports_each()
    {
        var (media, stores) = Replicated();
        var outcomes = ReplicationCapture.Start(out var scope);
        using (scope)
        {
            var item = await PutAsync(media, "photos/a.jpg", "alpha");
            Assert.Equal("media:photos/a.jpg", item.Uri);
        }
        foreach (var store in stores) Assert.Equal("alpha", await store.TextAsync("photos/a.jpg"));
        Assert.Equal(3, outcomes.Count);
        Assert.All(outcomes, o => Assert.True(o.Succeeded));
        Assert.True(outcomes.Single(o => o.IsPrimary).ReplicaUri == stores[0].AddressRoot + "photos/a.jpg");
    }

    [Fact]
    public async Task Replica_write_copies_server_side_where_possible_and_streams_the_source_once_to_the_others()
    {
        // The primary and the second replica are memory stores (server-side copy between them); the third cannot copy.
        var (media, stores) = Replicated(ReplicaPolicy.All, false, true, true, false);
        var data = new byte[1_000_000];
        new Random(7).NextBytes(data);
        var source = new CountingSource(data);
        var outcomes = ReplicationCapture.Start(out var scope);
        using (scope) await media.WriteAsync("big.bin", source, new WriteOptions { Length = data.Length });

        Assert.Equal(data.Length, source.BytesRead); // one pass over a source that cannot seek
        foreach (var store in stores)
        {
            await using var s = await store.OpenReadAsync("big.bin");
            using var copy = new MemoryStream();
            await s.CopyToAsync(copy);
            Assert.Equal(data, copy.ToArray());
        }
        Assert.Equal(ReplicaWriteMethod.Streamed, outcomes.Single(o => o.ReplicaUri.StartsWith(stores[0].AddressRoot)).Method);
        Assert.Equal(ReplicaWriteMethod.ServerSideCopy, outcomes.Single(o => o.ReplicaUri.StartsWith(stores[1].AddressRoot)).Method);
        Assert.Equal(ReplicaWriteMethod.Streamed, outcomes.Single(o => o.ReplicaUri.StartsWith(stores[2].AddressRoot)).Method);
    }

    [Fact]
    public async Task Replica_that_fails_a_write_fails_the_All_policy_naming_the_replica()
    {
        var (media, stores) = Replicated(ReplicaPolicy.All, false, true, true, false);
        stores[2].RefuseWrites = true;
        var e = await Assert.ThrowsAsync<StorageException>(() => PutAsync(media, "a.txt", "alpha"));
        Assert.Contains(stores[2].AddressRoot + "a.txt", e.Message);
        Assert.Contains("2 of 3", e.Message);
    }

    [Fact]
    public async Task Replica_that_fails_a_write_under_the_Primary_policy_is_reported_not_hidden_and_the_write_stands()
    {
        var (media, stores) = Replicated(ReplicaPolicy.Primary);
        stores[1].RefuseWrites = true; // a server-side copy that fails
        var outcomes = ReplicationCapture.Start(out var scope);
        using (scope) await PutAsync(media, "a.txt", "alpha");

        var failed = Assert.Single(outcomes, o => !o.Succeeded);
        Assert.Equal(stores[1].AddressRoot + "a.txt", failed.ReplicaUri);
        Assert.Equal(StorageErrorKind.Transient, failed.Error!.Kind);
        Assert.Null(await stores[1].Store.StatAsync("a.txt"));
        Assert.Equal("alpha", await media.TextAsync("a.txt"));
    }

    [Fact]
    public async Task Replica_Quorum_policy_needs_a_majority()
    {
        var (media, stores) = Replicated(ReplicaPolicy.Quorum, false, true, false, false);
        stores[2].RefuseWrites = true;
        await PutAsync(media, "two-of-three.txt", "x"); // 2 of 3: stands
        stores[1].RefuseWrites = true;
        var e = await Assert.ThrowsAsync<StorageException>(() => PutAsync(media, "one-of-three.txt", "x"));
        Assert.Contains("Quorum", e.Message);
    }

    [Fact]
    public async Task Replica_write_with_the_primary_down_replicates_nothing_from_it_and_says_so()
    {
        var (media, stores) = Replicated(ReplicaPolicy.Quorum);
        stores[0].Down = true;
        var e = await Assert.ThrowsAsync<StorageException>(() => PutAsync(media, "a.txt", "alpha"));
        Assert.Contains("does not hold it", e.Message);
        Assert.Null(await stores[1].Store.StatAsync("a.txt"));
    }

    [Fact]
    public async Task Failover_read_and_stat_come_from_a_backup_when_the_primary_is_down()
    {
        var (media, stores) = Replicated();
        await PutAsync(media, "a.txt", "alpha");
        stores[0].Down = true;

        Assert.Equal("alpha", await media.TextAsync("a.txt"));
        var item = await media.StatAsync("a.txt");
        Assert.Equal("media:a.txt", item!.Uri);
    }

    [Fact]
    public async Task Failover_read_finds_an_object_missing_on_the_primary_on_a_replica()
    {
        var (media, stores) = Replicated();
        await PutAsync(stores[2].Store, "only-on-2.txt", "late");
        Assert.Equal("late", await media.TextAsync("only-on-2.txt"));
        Assert.NotNull(await media.StatAsync("only-on-2.txt"));
        var e = await Assert.ThrowsAsync<StorageException>(() => media.OpenReadAsync("nowhere.txt"));
        Assert.Equal(StorageErrorKind.NotFound, e.Kind);
        Assert.Null(await media.StatAsync("nowhere.txt"));
    }

    [Fact]
    public async Task Failover_read_of_every_replica_down_is_a_transient_error_naming_them()
    {
        var (media, stores) = Replicated();
        await PutAsync(media, "a.txt", "alpha");
        foreach (var s in stores) s.Down = true;
        var e = await Assert.ThrowsAsync<StorageException>(() => media.OpenReadAsync("a.txt"));
        Assert.True(e.IsTransient);
        foreach (var s in stores) Assert.Contains(s.AddressRoot, e.Message);
    }

    [Fact]
    public async Task Failover_listing_comes_from_a_backup_when_the_primary_is_down()
    {
        var (media, stores) = Replicated();
        foreach (var k in new[] { "b", "a", "c/d" }) await PutAsync(media, k, k);
        stores[0].Down = true;
        var keys = (await media.ListAsync(ListRequest.Recursive("")).ToListAsync()).Select(i => i.Key + "@" + i.Uri).ToList();
        Assert.Equal(["a@media:a", "b@media:b", "c/d@media:c/d"], keys);
    }

    [Fact]
    public async Task Failover_listing_that_breaks_part_way_goes_on_from_a_backup_without_repeating_keys()
    {
        var (media, stores) = Replicated();
        foreach (var k in new[] { "a", "b", "c", "d" }) await PutAsync(media, k, k);
        var seen = new List<string>();
        await foreach (var item in media.ListAsync(ListRequest.Recursive("")))
        {
            seen.Add(item.Key);
            if (item.Key == "b") stores[0].Down = true;
        }
        Assert.Equal(["a", "b", "c", "d"], seen);
    }

    [Fact]
    public async Task Failover_opens_the_breaker_of_a_down_primary_so_later_reads_skip_it()
    {
        var (media, stores) = Replicated(withBreakers: true);
        await PutAsync(media, "a.txt", "alpha");
        stores[0].Down = true;
        var watch = Stopwatch.StartNew();
        Assert.Equal("alpha", await media.TextAsync("a.txt"));
        Assert.Equal("alpha", await media.TextAsync("a.txt"));
        Assert.True(media.IsOpen(0));
        var before = stores[0].Calls;
        for (var i = 0; i < 5; i++) Assert.Equal("alpha", await media.TextAsync("a.txt"));
        Assert.Equal(before, stores[0].Calls); // not asked while its breaker is open
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task Replica_delete_goes_everywhere()
    {
        var (media, stores) = Replicated();
        await PutAsync(media, "a.txt", "alpha");
        await media.DeleteAsync("a.txt");
        foreach (var s in stores) Assert.Null(await s.Store.StatAsync("a.txt"));
    }

    [Fact]
    public async Task Replica_delete_that_fails_on_a_replica_is_reported_under_the_Primary_policy()
    {
        var (media, stores) = Replicated(ReplicaPolicy.Primary);
        await PutAsync(media, "a.txt", "alpha");
        stores[2].Down = true;
        var outcomes = ReplicationCapture.Start(out var scope);
        using (scope) await media.DeleteAsync("a.txt");
        var failed = Assert.Single(outcomes, o => !o.Succeeded);
        Assert.Equal(ReplicaWriteMethod.Delete, failed.Method);
        Assert.Equal(stores[2].AddressRoot + "a.txt", failed.ReplicaUri);
    }

    [Fact]
    public void Replica_abilities_are_derived_from_the_replicas_records()
    {
        var primary = new MemoryStorageProvider("p" + Guid.NewGuid().ToString("N")[..6]);
        var dir = Directory.CreateTempSubdirectory("cs-replica-");
        try
        {
            var local = new LocalStorageProvider(dir.FullName);
            var media = new ReplicatedStorageProvider("media", [primary, local], ReplicaPolicy.All);
            var caps = media.Capabilities;
            // Listed hashes: only those every replica lists; hashes and presigning: the primary's.
            Assert.Equal(primary.Capabilities.ListedHashes.Intersect(local.Capabilities.ListedHashes).Order(), caps.ListedHashes.Order());
            Assert.Same(primary.Capabilities.HashSource, caps.HashSource);
            Assert.Equal(primary.Capabilities.Presign, caps.Presign);
            Assert.Equal(primary.Capabilities.UserMetadata && local.Capabilities.UserMetadata, caps.UserMetadata);
            Assert.Null(caps.BatchDeleter);
            Assert.NotNull(caps.Copier); // the primary copies from memory stores
            Assert.True(caps.Copier!.CanCopyFrom(new MemoryStorageProvider("other")));
            Assert.False(caps.Copier.CanCopyFrom(local));

            var reversed = new ReplicatedStorageProvider("media2", [local, primary], ReplicaPolicy.All);
            Assert.Equal(local.Capabilities.HashSource is null, reversed.Capabilities.HashSource is null);
            Assert.Equal(local.Capabilities.Presign, reversed.Capabilities.Presign);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task Replica_server_side_copy_into_a_replicated_store_lands_on_every_replica()
    {
        var (media, stores) = Replicated(ReplicaPolicy.All, false, true, true, false);
        var source = Mem.Store();
        await source.PutAsync("in.txt", "copied");
        var engine = new TransferEngine();
        var outcomes = ReplicationCapture.Start(out var scope);
        using (scope) await engine.CopyAsync(source.At("in.txt"), new StorageLocation(media, "out.txt"), new CopyRequest { Overwrite = true });
        foreach (var s in stores) Assert.Equal("copied", await s.TextAsync("out.txt"));
        Assert.Equal(ReplicaWriteMethod.ServerSideCopy, outcomes.Single(o => o.IsPrimary).Method);
    }

    [Fact]
    public async Task Replica_integrity_on_a_replicated_address_compares_every_replica_with_the_primary()
    {
        var (media, stores) = Replicated();
        await PutAsync(media, "a.txt", "alpha");
        await PutAsync(media, "b.txt", "bravo");
        await PutAsync(stores[1].Store, "b.txt", "BRAVO");   // replica 1 differs
        await stores[2].Store.DeleteAsync("a.txt");           // replica 2 lags
        var checker = new IntegrityChecker(new TransferEngine());
        var results = await checker.CheckAsync(new StorageLocation(media, ""), null, new IntegrityOptions { Recurse = true }).ToListAsync();
        var verdicts = results.Select(r => $"{r.Uri}={r.Status}").Order().ToList();
        Assert.Equal(new[]
        {
            $"{stores[1].AddressRoot}a.txt=Match", $"{stores[1].AddressRoot}b.txt=Mismatch",
            $"{stores[2].AddressRoot}a.txt=Missing", $"{stores[2].AddressRoot}b.txt=Match",
        }.Order(), verdicts);
        Assert.All(results, r => Assert.StartsWith(stores[0].AddressRoot, r.ReferenceUri));
    }

    [Fact]
    public async Task Replica_repair_by_sync_from_the_primary_brings_a_lagging_replica_in_line_and_never_deletes_from_the_primary()
    {
        var (media, stores) = Replicated(ReplicaPolicy.Primary);
        await PutAsync(media, "a.txt", "alpha");
        stores[2].Down = true;
        await PutAsync(media, "b.txt", "bravo");              // missed by replica 2
        stores[2].Down = false;
        await PutAsync(stores[2].Store, "stale.txt", "old");  // only on replica 2
        var sync = new SyncEngine(new TransferEngine());
        var summary = await sync.RunAsync(new StorageLocation(stores[0], ""), new StorageLocation(stores[2], ""), new SyncOptions { Delete = true }, new SyncEngineTests.Observer());
        Assert.Equal(1, summary.Copied);
        Assert.Equal(1, summary.Deleted);
        Assert.Equal("bravo", await stores[2].TextAsync("b.txt"));
        Assert.Null(await stores[2].Store.StatAsync("stale.txt"));
        Assert.NotNull(await stores[0].Store.StatAsync("a.txt"));
        var checker = new IntegrityChecker(new TransferEngine());
        var results = await checker.CheckAsync(new StorageLocation(media, ""), null, new IntegrityOptions { Recurse = true }).ToListAsync();
        Assert.All(results, r => Assert.Equal(IntegrityStatus.Match, r.Status));
    }

    [Fact]
    public async Task Failover_read_that_breaks_mid_body_goes_on_from_a_backup()
    {
        var primary = new BreakingStore(Mem.Store());
        var backup = Mem.Store();
        var media = new ReplicatedStorageProvider("media", [primary, backup], ReplicaPolicy.All);
        var data = Enumerable.Range(0, 200_000).Select(i => (byte)i).ToArray();
        await media.WriteAsync("x.bin", new MemoryStream(data), new WriteOptions { Length = data.Length });
        primary.BreakAfter = 50_000;
        await using var s = await media.OpenReadAsync("x.bin");
        using var copy = new MemoryStream();
        await s.CopyToAsync(copy);
        Assert.Equal(data, copy.ToArray());
    }

    /// <summary>A store whose read bodies break (transiently) after a number of bytes.</summary>
    private sealed class BreakingStore(MemoryStorageProvider inner) : ProviderDecorator(inner)
    {
        public long? BreakAfter { get; set; }
        public override string Name => Inner.Name;
        public override string AddressRoot => Inner.AddressRoot;
        public override string ToInnerKey(string key) => key;
        public override string FromInnerKey(string innerKey) => innerKey;

        public override async Task<Stream> OpenReadAsync(string key, ByteRange? range = null, CancellationToken cancellationToken = default)
        {
            var s = await base.OpenReadAsync(key, range, cancellationToken);
            return BreakAfter is { } n ? new Breaking(s, n) : s;
        }

        private sealed class Breaking(Stream inner, long after) : Stream
        {
            private long _read;
            public override bool CanRead => true;
            public override bool CanSeek => false;
            public override bool CanWrite => false;
            public override long Length => inner.Length;
            public override long Position { get => _read; set => throw new NotSupportedException(); }
            public override int Read(byte[] buffer, int offset, int count)
            {
                if (_read >= after) throw new StorageException(StorageErrorKind.Transient, "connection reset (simulated)");
                var n = inner.Read(buffer, offset, (int)Math.Min(count, after - _read));
                _read += n;
                return n;
            }
            public override void Flush() { }
            public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
            public override void SetLength(long value) => throw new NotSupportedException();
            public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
            protected override void Dispose(bool disposing) { if (disposing) inner.Dispose(); base.Dispose(disposing); }
        }
    }
}
