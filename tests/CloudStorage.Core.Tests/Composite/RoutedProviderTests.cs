using CloudStorage.Core.Addressing;
using CloudStorage.Core.Errors;
using CloudStorage.Core.Model;
using CloudStorage.Core.Providers;
using CloudStorage.Core.Providers.Composite;
using CloudStorage.Core.Providers.Local;
using CloudStorage.Core.Providers.Memory;
using CloudStorage.Core.Sync;
using CloudStorage.Core.Tests.Operations;
using CloudStorage.Core.Transfer;

namespace CloudStorage.Core.Tests.Composite;

public sealed class RoutedProviderTests : IDisposable
{
    private readonly MemoryStorageProvider _images = Mem.Store("img");
    private readonly MemoryStorageProvider _default = Mem.Store("def");
    private readonly DirectoryInfo _tmpDir = Directory.CreateTempSubdirectory("cs-routed-");
    private readonly LocalStorageProvider _tmp;
    private readonly RoutedStorageProvider _site;

    public RoutedProviderTests()
    {
        _tmp = new LocalStorageProvider(_tmpDir.FullName);
        _site = new RoutedStorageProvider("site", [("*.jpg", _images), ("tmp/*", _tmp), ("*", _default)]);
    }

    public void Dispose() => _tmpDir.Delete(recursive: true);

    [Fact]
    public async Task Routing_puts_each_key_where_its_pattern_says_in_the_order_given()
    {
        foreach (var key in new[] { "a.jpg", "tmp/x.txt", "tmp/y.jpg", "docs/readme.md", "B.JPG" })
            await _site.WriteAsync(key, new MemoryStream("data"u8.ToArray()), new WriteOptions());

        Assert.NotNull(await _images.StatAsync("a.jpg"));
        Assert.NotNull(await _images.StatAsync("tmp/y.jpg"));   // '*.jpg' comes before 'tmp/*'
        Assert.NotNull(await _images.StatAsync("B.JPG"));       // patterns are case-insensitive, as -Filter's
        Assert.NotNull(await _tmp.StatAsync("tmp/x.txt"));
        Assert.NotNull(await _default.StatAsync("docs/readme.md"));
        Assert.Null(await _default.StatAsync("a.jpg"));
        Assert.Equal("data", await _site.TextAsync("tmp/x.txt"));
        Assert.Equal("site:docs/readme.md", (await _site.StatAsync("docs/readme.md"))!.Uri);
    }

    [Fact]
    public async Task Routing_lists_every_route_merged_in_key_order()
    {
        foreach (var key in new[] { "z.jpg", "tmp/b.txt", "a.txt", "m/n.jpg", "tmp/a.txt", "b.txt" })
            await _site.WriteAsync(key, new MemoryStream("d"u8.ToArray()), new WriteOptions());
        await _default.PutAsync("hidden.jpg", "not routed here"); // a key the default store holds but '*.jpg' owns

        var all = await _site.ListAsync(ListRequest.Recursive("")).ToListAsync();
        Assert.Equal(["a.txt", "b.txt", "m/n.jpg", "tmp/a.txt", "tmp/b.txt", "z.jpg"], all.Select(i => i.Key).ToList());
        Assert.All(all, i => Assert.Equal("site:" + i.Key, i.Uri));

        var top = await _site.ListAsync(ListRequest.OneLevel("")).ToListAsync();
        Assert.Equal(["a.txt", "b.txt", "m/", "tmp/", "z.jpg"], top.Select(i => i.Key).ToList());
    }

    [Fact]
    public async Task Routing_refuses_a_key_no_route_matches()
    {
        var narrow = new RoutedStorageProvider("narrow", [("*.jpg", _images)]);
        var e = await Assert.ThrowsAsync<StorageException>(() => narrow.WriteAsync("a.txt", new MemoryStream(), new WriteOptions()));
        Assert.Equal(StorageErrorKind.InvalidKey, e.Kind);
    }

    [Fact]
    public async Task Routing_copies_and_syncs_through_the_routes()
    {
        var source = Mem.Store();
        await source.PutAsync("p/1.jpg", "one");
        await source.PutAsync("p/2.txt", "two");
        await source.PutAsync("tmp/3.txt", "three");
        var sync = new SyncEngine(new TransferEngine());
        var first = await sync.RunAsync(source.At(""), new StorageLocation(_site, ""), new SyncOptions(), new SyncEngineTests.Observer());
        Assert.Equal(3, first.Copied);
        Assert.Equal("one", await _images.TextAsync("p/1.jpg"));
        Assert.Equal("two", await _default.TextAsync("p/2.txt"));
        Assert.Equal("three", await _tmp.TextAsync("tmp/3.txt"));
        var second = await sync.RunAsync(source.At(""), new StorageLocation(_site, ""), new SyncOptions(), new SyncEngineTests.Observer());
        Assert.Equal(0, second.Copied + second.Updated);

        // A copy out of the routed store and one within it.
        var engine = new TransferEngine();
        await engine.CopyAsync(new StorageLocation(_site, "p/1.jpg"), new StorageLocation(_site, "tmp/copy.txt"), new CopyRequest());
        Assert.Equal("one", await _tmp.TextAsync("tmp/copy.txt"));
    }

    [Fact]
    public void Routing_abilities_are_those_every_route_has()
    {
        var caps = _site.Capabilities;
        Assert.Equal(_images.Capabilities.ListedHashes.Intersect(_tmp.Capabilities.ListedHashes).Order(), caps.ListedHashes.Order());
        Assert.False(caps.UserMetadata && !_tmp.Capabilities.UserMetadata);
        // Memory copies only from memory, local only from local: no server-side copy holds for every key.
        Assert.False(caps.Copier?.CanCopyFrom(_images) ?? false);
        var memOnly = new RoutedStorageProvider("m", [("*.jpg", _images), ("*", _default)]);
        Assert.True(memOnly.Capabilities.Copier!.CanCopyFrom(Mem.Store()));
    }
}
