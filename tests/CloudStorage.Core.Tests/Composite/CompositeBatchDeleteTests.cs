using CloudStorage.Core.Errors;
using CloudStorage.Core.Model;
using CloudStorage.Core.Providers;
using CloudStorage.Core.Providers.Composite;
using CloudStorage.Core.Tests.Operations;
using CloudStorage.Core.Transfer;

namespace CloudStorage.Core.Tests.Composite;

/// <summary>
/// Composites delete in their members' batches (S3's DeleteObjects, Azure's blob batch) instead of one request per key
/// and per member, and still report every key's outcome: per replica under the replica policy, per route.
/// </summary>
public sealed class CompositeBatchDeleteTests
{
    private static readonly string[] Keys = Enumerable.Range(0, 25).Select(i => $"d/{i:00}.txt").ToArray();

    private static async Task SeedAsync(IStorageProvider store, IEnumerable<string> keys)
    {
        foreach (var key in keys) await store.WriteAsync(key, new MemoryStream("x"u8.ToArray()), new WriteOptions());
    }

    private static async Task<bool> HoldsAsync(IStorageProvider store, string key) => await store.StatAsync(key) is not null;

    [Fact]
    public async Task Replicated_batch_delete_removes_from_every_replica_in_their_own_batches_and_reports_each()
    {
        var a = new BatchDeletingStore(Mem.Store(), maxBatchSize: 10);
        var b = new BatchDeletingStore(Mem.Store(), maxBatchSize: 20);
        var c = new SwitchableStore(Mem.Store()); // no batches: one delete per key
        var media = new ReplicatedStorageProvider("media", [a, b, c], ReplicaPolicy.All);
        foreach (var store in new IStorageProvider[] { a, b, c }) await SeedAsync(store, Keys);

        var deleter = media.Capabilities.BatchDeleter;
        Assert.NotNull(deleter);
        Assert.Equal(10, deleter!.MaxBatchSize); // the smallest member's

        var outcomes = ReplicationCapture.Start(out var scope);
        IReadOnlyList<DeleteResult> results;
        using (scope) results = await deleter.DeleteManyAsync(Keys.Take(10).ToList());

        Assert.Equal(Keys.Take(10), results.Select(r => r.Key));
        Assert.All(results, r => Assert.True(r.Succeeded));
        foreach (var store in new IStorageProvider[] { a, b, c })
        {
            foreach (var key in Keys.Take(10)) Assert.False(await HoldsAsync(store, key), $"{store.AddressRoot}{key} is still there");
            foreach (var key in Keys.Skip(10)) Assert.True(await HoldsAsync(store, key));
        }
        Assert.Single(a.Batches);
        Assert.Single(b.Batches);
        Assert.Equal(0, a.SingleDeletes + b.SingleDeletes);
        Assert.Equal(30, outcomes.Count); // one per key and replica
        Assert.All(outcomes, o => Assert.Equal(ReplicaWriteMethod.Delete, o.Method));
    }

    [Fact]
    public async Task Replicated_batch_delete_applies_the_policy_per_key_and_names_the_replica_that_refused()
    {
        var a = new BatchDeletingStore(Mem.Store());
        var b = new BatchDeletingStore(Mem.Store());
        foreach (var store in new[] { a, b }) await SeedAsync(store, Keys);
        b.Refused["d/03.txt"] = true;

        var all = new ReplicatedStorageProvider("media", [a, b], ReplicaPolicy.All);
        var results = await all.Capabilities.BatchDeleter!.DeleteManyAsync(Keys.Take(5).ToList());
        var failed = Assert.Single(results, r => !r.Succeeded);
        Assert.Equal("d/03.txt", failed.Key);
        Assert.Equal(StorageErrorKind.PermissionDenied, failed.Error!.Kind);
        Assert.Contains(b.AddressRoot + "d/03.txt", failed.Error.Message);
        Assert.True(await HoldsAsync(b, "d/03.txt"));

        // Under Primary the delete stands; the replica's failure is still reported with its address.
        var primary = new ReplicatedStorageProvider("media", [a, b], ReplicaPolicy.Primary);
        b.Refused["d/07.txt"] = true;
        var outcomes = ReplicationCapture.Start(out var scope);
        using (scope) results = await primary.Capabilities.BatchDeleter!.DeleteManyAsync(Keys.Skip(5).Take(5).ToList());
        Assert.All(results, r => Assert.True(r.Succeeded));
        var refused = Assert.Single(outcomes, o => !o.Succeeded);
        Assert.Equal(b.AddressRoot + "d/07.txt", refused.ReplicaUri);
        Assert.False(await HoldsAsync(a, "d/07.txt"));
    }

    [Fact]
    public async Task Replicated_batch_delete_through_an_open_breaker_fails_that_replica_for_every_key_and_leaves_the_decision_to_the_policy()
    {
        var a = new BatchDeletingStore(Mem.Store());
        var b = new BatchDeletingStore(Mem.Store());
        foreach (var store in new[] { a, b }) await SeedAsync(store, Keys);
        var open = new CountingBreaker(failures: 0); // open from the start
        var media = new ReplicatedStorageProvider("media", [a, b], ReplicaPolicy.All, [new CountingBreaker(), open]);

        var results = await media.Capabilities.BatchDeleter!.DeleteManyAsync(Keys.Take(3).ToList());
        Assert.All(results, r => Assert.False(r.Succeeded));
        Assert.Empty(b.Batches); // not tried
    }

    [Fact]
    public async Task Routed_batch_delete_sends_each_store_its_own_keys_and_answers_in_the_keys_order()
    {
        var images = new BatchDeletingStore(Mem.Store("img"));
        var rest = new SwitchableStore(Mem.Store("def"));
        var site = new RoutedStorageProvider("site", [("*.jpg", images), ("d/*", rest)]);
        var keys = new[] { "d/a.txt", "x.jpg", "d/b.txt", "nowhere.txt", "y.jpg" };
        await SeedAsync(images, ["x.jpg", "y.jpg"]);
        await SeedAsync(rest, ["d/a.txt", "d/b.txt"]);

        var results = await site.Capabilities.BatchDeleter!.DeleteManyAsync(keys);
        Assert.Equal(keys, results.Select(r => r.Key));
        Assert.Equal(StorageErrorKind.InvalidKey, Assert.Single(results, r => !r.Succeeded).Error!.Kind);
        Assert.Equal("nowhere.txt", Assert.Single(results, r => !r.Succeeded).Key);
        Assert.Equal(["x.jpg", "y.jpg"], Assert.Single(images.Batches));
        foreach (var key in keys.Where(k => k != "nowhere.txt")) Assert.False(await HoldsAsync(site, key));
    }

    [Fact]
    public async Task Composites_of_stores_without_batches_declare_none()
    {
        var media = new ReplicatedStorageProvider("media", [new SwitchableStore(Mem.Store()), new SwitchableStore(Mem.Store())], ReplicaPolicy.All);
        var site = new RoutedStorageProvider("site", [("*", new SwitchableStore(Mem.Store()))]);
        Assert.Null(media.Capabilities.BatchDeleter);
        Assert.Null(site.Capabilities.BatchDeleter);
        await Task.CompletedTask;
    }

    [Fact]
    public async Task A_recursive_delete_through_the_engine_uses_the_composite_batches()
    {
        var a = new BatchDeletingStore(Mem.Store(), maxBatchSize: 10);
        var b = new BatchDeletingStore(Mem.Store(), maxBatchSize: 10);
        foreach (var store in new[] { a, b }) await SeedAsync(store, Keys);
        var media = new ReplicatedStorageProvider("media", [a, b], ReplicaPolicy.All);

        var reported = new List<(string Key, Exception? Error)>();
        using (var batcher = new DeleteBatcher<int>(media, 2, (key, _, error) => reported.Add((key, error))))
        {
            foreach (var key in Keys) await batcher.AddAsync(key, 0);
            await batcher.CompleteAsync();
        }
        Assert.Equal(Keys.Order(), reported.Select(r => r.Key).Order());
        Assert.All(reported, r => Assert.Null(r.Error));
        Assert.Equal(3, a.Batches.Count); // 10 + 10 + 5
        Assert.Equal(3, b.Batches.Count);
        Assert.Equal(0, a.SingleDeletes + b.SingleDeletes);
        foreach (var key in Keys) Assert.False(await HoldsAsync(a, key) || await HoldsAsync(b, key));
    }
}
