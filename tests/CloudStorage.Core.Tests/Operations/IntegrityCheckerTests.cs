using CloudStorage.Core.Addressing;
using CloudStorage.Core.Integrity;
using CloudStorage.Core.Model;
using CloudStorage.Core.Providers;
using CloudStorage.Core.Providers.Memory;
using CloudStorage.Core.Transfer;

namespace CloudStorage.Core.Tests.Operations;

public class IntegrityCheckerTests
{
    private readonly IntegrityChecker _checker = new(new TransferEngine());

    [Fact]
    public async Task Equal_objects_match_by_native_hash_without_download()
    {
        var a = Mem.Store(); var b = Mem.Store();
        await a.PutAsync("k", "same"); await b.PutAsync("k", "same");
        var r = Assert.Single(await _checker.CheckAsync(a.At("k"), b.At("k"), new IntegrityOptions()).ToListAsync());
        Assert.Equal(IntegrityStatus.Match, r.Status);
        Assert.Equal(IntegrityMethod.NativeHash, r.Method);
        Assert.Equal(HashAlgorithmKind.MD5, r.Algorithm);
    }

    [Fact]
    public async Task Different_content_of_equal_size_is_a_mismatch()
    {
        var a = Mem.Store(); var b = Mem.Store();
        await a.PutAsync("k", "abcd"); await b.PutAsync("k", "abce");
        var r = Assert.Single(await _checker.CheckAsync(a.At("k"), b.At("k"), new IntegrityOptions()).ToListAsync());
        Assert.Equal(IntegrityStatus.Mismatch, r.Status);
        Assert.NotEqual(r.Hash, r.ReferenceHash);
    }

    [Fact]
    public async Task Different_sizes_mismatch_without_hashing()
    {
        var a = Mem.Store(); var b = Mem.Store();
        await a.PutAsync("k", "abc"); await b.PutAsync("k", "abcd");
        var r = Assert.Single(await _checker.CheckAsync(a.At("k"), b.At("k"), new IntegrityOptions()).ToListAsync());
        Assert.Equal(IntegrityStatus.Mismatch, r.Status);
        Assert.Equal(IntegrityMethod.None, r.Method);
        Assert.Contains("sizes differ", r.Detail);
    }

    [Fact]
    public async Task Trees_report_Match_Mismatch_Missing_and_Extra_in_key_order()
    {
        var t = Mem.Store(); var r = Mem.Store();
        await t.PutAsync("x/same", "1"); await r.PutAsync("y/same", "1");
        await t.PutAsync("x/diff", "1"); await r.PutAsync("y/diff", "2");
        await r.PutAsync("y/missing", "m");
        await t.PutAsync("x/extra", "e");
        var results = await _checker.CheckAsync(t.At("x/"), r.At("y/"), new IntegrityOptions()).ToListAsync();
        Assert.Equal(["diff", "extra", "missing", "same"], results.Select(x => x.Key).ToArray());
        Assert.Equal([IntegrityStatus.Mismatch, IntegrityStatus.Extra, IntegrityStatus.Missing, IntegrityStatus.Match], results.Select(x => x.Status).ToArray());
        Assert.Equal(t.AddressRoot + "x/missing", results.Single(x => x.Key == "missing").Uri);
    }

    [Fact]
    public async Task Without_a_common_hash_the_result_is_Unverifiable_unless_Download_is_allowed()
    {
        var a = new HashlessProvider(Mem.Store()); var b = Mem.Store();
        await ((MemoryStorageProvider)a.Inner).PutAsync("k", "data"); await b.PutAsync("k", "data");
        var r = Assert.Single(await _checker.CheckAsync(new(a, "k"), b.At("k"), new IntegrityOptions()).ToListAsync());
        Assert.Equal(IntegrityStatus.Unverifiable, r.Status);
        Assert.Contains("-Download", r.Detail);
        r = Assert.Single(await _checker.CheckAsync(new(a, "k"), b.At("k"), new IntegrityOptions { Download = true }).ToListAsync());
        Assert.Equal(IntegrityStatus.Match, r.Status);
        Assert.Equal(IntegrityMethod.Download, r.Method);
    }

    [Fact]
    public async Task Download_comparison_detects_a_mismatch()
    {
        var a = new HashlessProvider(Mem.Store()); var b = Mem.Store();
        await ((MemoryStorageProvider)a.Inner).PutAsync("k", "data"); await b.PutAsync("k", "dat4");
        var r = Assert.Single(await _checker.CheckAsync(new(a, "k"), b.At("k"), new IntegrityOptions { Download = true }).ToListAsync());
        Assert.Equal(IntegrityStatus.Mismatch, r.Status);
    }

    [Fact]
    public async Task A_hash_stored_in_metadata_is_used_when_the_provider_has_no_native_hash()
    {
        var a = new HashlessProvider(Mem.Store()); var b = Mem.Store();
        var md5 = ContentHash.Compute(HashAlgorithmKind.MD5, "data"u8);
        await ((MemoryStorageProvider)a.Inner).PutAsync("k", "data", metadata: new Dictionary<string, string> { [StoredHashes.MetadataKey(HashAlgorithmKind.MD5)] = md5.Hex });
        await b.PutAsync("k", "data");
        var r = Assert.Single(await _checker.CheckAsync(new(a, "k"), b.At("k"), new IntegrityOptions()).ToListAsync());
        Assert.Equal(IntegrityStatus.Match, r.Status);
        Assert.Equal(IntegrityMethod.StoredHash, r.Method);
    }

    [Fact]
    public async Task A_wrong_stored_hash_is_a_mismatch()
    {
        var a = new HashlessProvider(Mem.Store()); var b = Mem.Store();
        var wrong = ContentHash.Compute(HashAlgorithmKind.MD5, "other"u8);
        await ((MemoryStorageProvider)a.Inner).PutAsync("k", "data", metadata: new Dictionary<string, string> { [StoredHashes.MetadataKey(HashAlgorithmKind.MD5)] = wrong.Base64 });
        await b.PutAsync("k", "data");
        var r = Assert.Single(await _checker.CheckAsync(new(a, "k"), b.At("k"), new IntegrityOptions()).ToListAsync());
        Assert.Equal(IntegrityStatus.Mismatch, r.Status);
    }

    [Fact]
    public async Task An_object_checked_against_a_prefix_uses_the_object_of_the_same_name()
    {
        var a = Mem.Store(); var b = Mem.Store();
        await a.PutAsync("logs/app.log", "x"); await b.PutAsync("ref/app.log", "x");
        var r = Assert.Single(await _checker.CheckAsync(a.At("logs/app.log"), b.At("ref/"), new IntegrityOptions()).ToListAsync());
        Assert.Equal(IntegrityStatus.Match, r.Status);
        Assert.Equal(b.AddressRoot + "ref/app.log", r.ReferenceUri);
    }

    [Fact]
    public async Task A_missing_target_object_is_Missing()
    {
        var a = Mem.Store(); var b = Mem.Store();
        await b.PutAsync("k", "x");
        var r = Assert.Single(await _checker.CheckAsync(a.At("k"), b.At("k"), new IntegrityOptions()).ToListAsync());
        Assert.Equal(IntegrityStatus.Missing, r.Status);
    }

    [Fact]
    public async Task A_target_whose_reference_is_gone_is_Extra()
    {
        var a = Mem.Store(); var b = Mem.Store();
        await a.PutAsync("k", "x");
        var r = Assert.Single(await _checker.CheckAsync(a.At("k"), b.At("k"), new IntegrityOptions()).ToListAsync());
        Assert.Equal(IntegrityStatus.Extra, r.Status);
    }

    [Fact]
    public async Task Self_check_with_Download_verifies_the_reported_hash()
    {
        var a = Mem.Store();
        await a.PutAsync("k", "content");
        var r = Assert.Single(await _checker.CheckAsync(a.At("k"), null, new IntegrityOptions { Download = true }).ToListAsync());
        Assert.Equal(IntegrityStatus.Match, r.Status);
        Assert.Equal(IntegrityMethod.Download, r.Method);
        r = Assert.Single(await _checker.CheckAsync(a.At("k"), null, new IntegrityOptions()).ToListAsync());
        Assert.Equal(IntegrityStatus.Unverifiable, r.Status);
    }

    private sealed class HashlessProvider(IStorageProvider inner) : ProviderDecorator(inner)
    {
        public override string Name => "hashless";
        public override string AddressRoot => "hashless:";
        protected override ProviderCapabilities Decorate(ProviderCapabilities inner) => base.Decorate(inner) with { ListedHashes = new HashSet<HashAlgorithmKind>(), HashSource = null };
        public override string ToInnerKey(string key) => key;
        public override string FromInnerKey(string innerKey) => innerKey;
        public override async Task<StorageItem?> StatAsync(string key, CancellationToken cancellationToken = default) =>
            (await base.StatAsync(key, cancellationToken)) is { } i ? i with { Hashes = [] } : null;
        public override async IAsyncEnumerable<StorageItem> ListAsync(ListRequest request, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
        {
            await foreach (var i in base.ListAsync(request, cancellationToken)) yield return i with { Hashes = [] };
        }
    }

    [Fact]
    public async Task A_tree_check_compares_several_objects_at_once_and_still_reports_in_key_order()
    {
        // Each comparison needs one stat of the reference (its listing carries no hash): a slow stat shows whether
        // the walk waits for each one before starting the next (rclone's check runs 8 checkers).
        var t = Mem.Store(); var store = Mem.Store();
        var keys = Enumerable.Range(0, 12).Select(i => $"k{i:d2}").ToArray();
        foreach (var k in keys) { await t.PutAsync("x/" + k, k); await store.PutAsync("y/" + k, k); }
        var reference = new SlowStatStore(new UploadTimeStore(store));

        var results = await _checker.CheckAsync(t.At("x/"), new StorageLocation(reference, "y/"), new IntegrityOptions()).ToListAsync();

        Assert.Equal(keys, results.Select(r => r.Key).ToArray());
        Assert.Equal(keys.Length, reference.Stats);
        Assert.True(reference.MaxInFlight > 1, $"at most {reference.MaxInFlight} comparison(s) at once");
        Assert.True(reference.MaxInFlight <= new TransferOptions().Parallelism, $"{reference.MaxInFlight} comparisons at once");
    }

    /// <summary>A store whose stat takes 50 ms and counts how many are in flight at once.</summary>
    private sealed class SlowStatStore(IStorageProvider inner) : ProviderDecorator(inner)
    {
        private int _inFlight, _max, _stats;
        public int MaxInFlight => Volatile.Read(ref _max);
        public int Stats => Volatile.Read(ref _stats);
        public override string Name => "slow-" + Inner.Name;
        public override string AddressRoot => Inner.AddressRoot;
        public override string ToInnerKey(string key) => key;
        public override string FromInnerKey(string innerKey) => innerKey;

        public override async Task<StorageItem?> StatAsync(string key, CancellationToken cancellationToken = default)
        {
            Interlocked.Increment(ref _stats);
            var now = Interlocked.Increment(ref _inFlight);
            for (var max = Volatile.Read(ref _max); now > max; max = Volatile.Read(ref _max))
                if (Interlocked.CompareExchange(ref _max, now, max) == max) break;
            try
            {
                await Task.Delay(50, cancellationToken);
                return await base.StatAsync(key, cancellationToken);
            }
            finally { Interlocked.Decrement(ref _inFlight); }
        }
    }
}
