using CloudStorage.Core.Errors;
using CloudStorage.Core.Model;
using CloudStorage.Core.Providers;
using CloudStorage.Core.Transfer;

namespace CloudStorage.Core.Tests.Operations;

public class DeleteBatcherTests
{
    private static async Task<List<(string Key, int State, Exception? Error)>> DeleteAsync(IStorageProvider provider, IEnumerable<string> keys, int parallelism = 4)
    {
        var reported = new List<(string, int, Exception?)>();
        using var batcher = new DeleteBatcher<int>(provider, parallelism, (key, state, error) => reported.Add((key, state, error)));
        var n = 0;
        foreach (var key in keys) await batcher.AddAsync(key, n++);
        await batcher.CompleteAsync();
        return reported;
    }

    [Fact]
    public async Task Keys_go_to_a_batch_deleter_in_batches_of_its_size_and_each_is_reported_once()
    {
        var store = new BatchDeletingStore(Mem.Store());
        var keys = Enumerable.Range(0, 2500).Select(i => $"k/{i:D4}").ToList();
        foreach (var key in keys) await store.Store.PutAsync(key, "x");
        await store.Store.PutAsync("kept", "x");

        var reported = await DeleteAsync(store, keys.Append("k/missing"));

        Assert.Equal([1000, 1000, 501], store.Batches.Select(b => b.Count).Order().Reverse().ToArray());
        Assert.Equal(0, store.SingleDeletes);
        Assert.Equal(keys.Append("k/missing").Order(StringComparer.Ordinal), reported.Select(r => r.Key).Order(StringComparer.Ordinal));
        Assert.All(reported, r => Assert.Null(r.Error));
        Assert.All(reported, r => Assert.Equal(r.Key == "k/missing" ? 2500 : int.Parse(r.Key[2..]), r.State));
        Assert.Equal(1, store.Store.Count);
    }

    [Fact]
    public async Task A_provider_without_the_ability_deletes_each_key_on_its_own()
    {
        var store = Mem.Store();
        for (var i = 0; i < 10; i++) await store.PutAsync($"k{i}", "x");

        var reported = await DeleteAsync(store, Enumerable.Range(0, 10).Select(i => $"k{i}"));

        Assert.Equal(10, reported.Count);
        Assert.All(reported, r => Assert.Null(r.Error));
        Assert.Equal(0, store.Count);
    }

    [Fact]
    public async Task An_ability_the_provider_does_not_declare_is_not_used()
    {
        var store = new BatchDeletingStore(Mem.Store()) { Declared = false };
        for (var i = 0; i < 10; i++) await store.Store.PutAsync($"k{i}", "x");

        var reported = await DeleteAsync(store, Enumerable.Range(0, 10).Select(i => $"k{i}"));

        Assert.Empty(store.Batches);
        Assert.Equal(10, store.SingleDeletes);
        Assert.All(reported, r => Assert.Null(r.Error));
        Assert.Equal(0, store.Store.Count);
    }

    [Fact]
    public async Task A_key_refused_in_a_batch_is_reported_with_its_error_and_the_others_are_deleted()
    {
        var store = new BatchDeletingStore(Mem.Store(), maxBatchSize: 3);
        for (var i = 0; i < 7; i++) await store.Store.PutAsync($"k{i}", "x");
        store.Refused["k4"] = true;

        var reported = await DeleteAsync(store, Enumerable.Range(0, 7).Select(i => $"k{i}"));

        Assert.Equal(7, reported.Count);
        var failure = Assert.Single(reported, r => r.Error is not null);
        Assert.Equal("k4", failure.Key);
        Assert.Equal(StorageErrorKind.PermissionDenied, Assert.IsType<StorageException>(failure.Error).Kind);
        Assert.Equal(["k4"], (await store.Store.ListAsync(ListRequest.Recursive()).ToListAsync()).Select(i => i.Key));
        Assert.Equal((2, 1), (store.Batches.Count, store.SingleDeletes)); // 3 + 3 in batches, the seventh on its own
    }

    [Fact]
    public async Task Keys_are_mapped_through_decorators_to_the_batch_deleter_and_reported_as_given()
    {
        var store = new BatchDeletingStore(Mem.Store());
        await store.Store.PutAsync("root/a", "x");
        await store.Store.PutAsync("root/b", "x");
        await store.Store.PutAsync("a", "outside the root");
        var named = new NamedProvider("backup", store, "root");

        var reported = await DeleteAsync(named, ["a", "b"]);

        Assert.Equal(["root/a", "root/b"], Assert.Single(store.Batches).Order(StringComparer.Ordinal));
        Assert.Equal(["a", "b"], reported.Select(r => r.Key).Order(StringComparer.Ordinal));
        Assert.All(reported, r => Assert.Null(r.Error));
        Assert.Equal(["a"], (await store.Store.ListAsync(ListRequest.Recursive()).ToListAsync()).Select(i => i.Key));
    }

    [Fact]
    public async Task A_single_key_takes_the_plain_delete()
    {
        var store = new BatchDeletingStore(Mem.Store());
        await store.Store.PutAsync("only", "x");

        var reported = await DeleteAsync(store, ["only"]);

        Assert.Empty(store.Batches);
        Assert.Equal(1, store.SingleDeletes);
        Assert.Null(Assert.Single(reported).Error);
        Assert.Equal(0, store.Store.Count);
    }
}
