using System.IO.Compression;
using System.Text;
using CloudStorage.Core.Addressing;
using CloudStorage.Core.Integrity;
using CloudStorage.Core.Model;
using CloudStorage.Core.Sync;
using CloudStorage.Core.Transfer;

namespace CloudStorage.Providers.Tests.PairMatrix;

/// <summary>
/// Copy, sync and integrity between every ordered pair of the five stores, through the engine and the provider
/// contract only (so the tests hold when a provider changes its SDK). What a copy keeps is read back through the
/// destination provider's own stat: bytes, content type, the four content headers and user metadata wherever both
/// sides store them, and the source's modification time on every destination (natively or in metadata).
/// </summary>
[Collection(PairMatrixCollection.Name)]
public sealed class PairMatrixTests(PairMatrixStores stores)
{
    private const string ContentType = "text/html; charset=utf-8";
    private static readonly DateTimeOffset Original = new(2024, 5, 17, 9, 30, 15, 250, TimeSpan.Zero);
    private static readonly Dictionary<string, string> UserMetadata = new() { ["origin"] = "pair_matrix", ["owner"] = "h3" };
    private readonly TransferEngine _engine = new();

    public static TheoryData<string, string> Pairs()
    {
        var data = new TheoryData<string, string>();
        foreach (var source in PairMatrixStores.Kinds)
            foreach (var destination in PairMatrixStores.Kinds)
                data.Add(source, destination);
        return data;
    }

    [Theory, MemberData(nameof(Pairs))]
    public async Task PairMatrix_copy_of_one_object_keeps_bytes_headers_metadata_and_time(string source, string destination)
    {
        var (src, dst) = (stores.NewPrefix(source, "one"), stores.NewPrefix(destination, "one"));
        var page = await SeedAsync(src);

        await _engine.CopyAsync(src.Child("page.html"), dst.Child("page.html"), new CopyRequest());

        await AssertKeptAsync(src, dst, "page.html", page);
    }

    [Theory, MemberData(nameof(Pairs))]
    public async Task PairMatrix_recursive_copy_keeps_bytes_headers_metadata_and_time(string source, string destination)
    {
        var (src, dst) = (stores.NewPrefix(source, "tree"), stores.NewPrefix(destination, "tree"));
        var page = await SeedAsync(src);

        // As Copy-StorageObject -Recurse does: each object the listing reports, copied from the listed item.
        await foreach (var (item, rel) in ItemLister.ExpandAsync(src, recurse: true))
            await _engine.CopyItemAsync(item, new StorageLocation(src.Provider, item.Key), dst.Child(rel), new CopyRequest());

        await AssertKeptAsync(src, dst, "page.html", page);
        Assert.Equal("alpha-1", await TextAsync(dst.Child("a.txt")));
        Assert.Equal("bravo-2", await TextAsync(dst.Child("sub/b.txt")));
    }

    [Theory, MemberData(nameof(Pairs))]
    public async Task PairMatrix_sync_copies_the_remainder_then_nothing_then_a_same_size_change_then_deletes(string source, string destination)
    {
        var (src, dst) = (stores.NewPrefix(source, "sync"), stores.NewPrefix(destination, "sync"));
        await SeedAsync(src);
        var sync = new SyncEngine(_engine);

        // An earlier run was interrupted after one copy: the rerun copies only the remainder.
        await _engine.CopyAsync(src.Child("a.txt"), dst.Child("a.txt"), new CopyRequest());
        var first = await sync.RunAsync(src, dst, new SyncOptions(), new Observer());
        Assert.Equal((2, 0, 1, 0), (first.Copied, first.Updated, first.Unchanged, first.Failed));

        var second = await sync.RunAsync(src, dst, new SyncOptions(), new Observer());
        Assert.Equal((0, 0, 3), (second.Copied, second.Updated, second.Unchanged));

        // Same size, new content, modified after the copies.
        await WriteAsync(src.Child("sub/b.txt"), "BRAVO-2", DateTimeOffset.UtcNow);
        var observer = new Observer();
        var third = await sync.RunAsync(src, dst, new SyncOptions(), observer);
        Assert.Equal((0, 1, 2), (third.Copied, third.Updated, third.Unchanged));
        Assert.Equal("sub/b.txt", Assert.Single(observer.Results).Key);
        Assert.Equal("BRAVO-2", await TextAsync(dst.Child("sub/b.txt")));

        await src.Provider.DeleteAsync(src.Child("a.txt").Key);
        var fourth = await sync.RunAsync(src, dst, new SyncOptions { Delete = true }, new Observer());
        Assert.Equal((0, 0, 1, 2), (fourth.Copied, fourth.Updated, fourth.Deleted, fourth.Unchanged));
        Assert.Null(await dst.Provider.StatAsync(dst.Child("a.txt").Key));

        var fifth = await sync.RunAsync(src, dst, new SyncOptions { Delete = true }, new Observer());
        Assert.Equal((0, 0, 0, 2), (fifth.Copied, fifth.Updated, fifth.Deleted, fifth.Unchanged));
    }

    [Theory, MemberData(nameof(Pairs))]
    public async Task PairMatrix_integrity_matches_by_hash_without_download_and_finds_a_corrupted_destination(string source, string destination)
    {
        var (src, dst) = (stores.NewPrefix(source, "check"), stores.NewPrefix(destination, "check"));
        await SeedAsync(src);
        await new SyncEngine(_engine).RunAsync(src, dst, new SyncOptions(), new Observer());
        var checker = new IntegrityChecker(_engine);

        var results = await checker.CheckAsync(dst, src, new IntegrityOptions { Download = false }).ToListAsync();
        Assert.Equal(["a.txt", "page.html", "sub/b.txt"], results.Select(r => r.Key).Order(StringComparer.Ordinal));
        Assert.All(results, r =>
        {
            Assert.Equal(IntegrityStatus.Match, r.Status);
            Assert.Contains(r.Method, new[] { IntegrityMethod.NativeHash, IntegrityMethod.StoredHash });
        });

        // Same size, other bytes, written behind the engine's back.
        await WriteAsync(dst.Child("a.txt"), "ALPHA-1", Original);
        var after = await checker.CheckAsync(dst, src, new IntegrityOptions { Download = false }).ToListAsync();
        Assert.Equal(IntegrityStatus.Mismatch, Assert.Single(after, r => r.Key == "a.txt").Status);
        Assert.All(after.Where(r => r.Key != "a.txt"), r => Assert.Equal(IntegrityStatus.Match, r.Status));
    }

    // ------------------------------------------------------------------ helpers

    /// <summary>A gzip-encoded web page with every header and metadata, and two plain objects, under the prefix.</summary>
    private static async Task<byte[]> SeedAsync(StorageLocation prefix)
    {
        var page = Gzip("<!doctype html><title>pair matrix</title><p>kept with its headers</p>");
        await prefix.Provider.WriteAsync(prefix.Child("page.html").Key, new MemoryStream(page), new WriteOptions
        {
            Length = page.Length,
            ContentType = ContentType,
            ContentEncoding = "gzip",
            ContentDisposition = "inline; filename=\"page.html\"",
            ContentLanguage = "en-GB",
            CacheControl = "public, max-age=300",
            Metadata = UserMetadata,
            ModifiedTime = Original,
        });
        await WriteAsync(prefix.Child("a.txt"), "alpha-1", Original);
        await WriteAsync(prefix.Child("sub/b.txt"), "bravo-2", Original);
        return page;
    }

    private static Task WriteAsync(StorageLocation at, string text, DateTimeOffset modified)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        return at.Provider.WriteAsync(at.Key, new MemoryStream(bytes), new WriteOptions
        {
            Length = bytes.Length, ContentType = "text/plain", Metadata = UserMetadata, ModifiedTime = modified,
        });
    }

    private async Task AssertKeptAsync(StorageLocation src, StorageLocation dst, string key, byte[] bytes)
    {
        var source = src;
        var s = src.Provider.Capabilities;
        var d = dst.Provider.Capabilities;
        var copied = await dst.Provider.StatAsync(dst.Child(key).Key) ?? throw new Xunit.Sdk.XunitException($"{dst.Child(key).Uri} was not copied");

        Assert.Equal(bytes, await _engine.ReadAllBytesAsync(dst.Child(key), 1 << 20));
        if (s.ContentType && d.ContentType) Assert.Equal(ContentType, copied.ContentType);
        if (s.ContentHeaders && d.ContentHeaders)
        {
            Assert.Equal("gzip", copied.ContentEncoding);
            Assert.Equal("inline; filename=\"page.html\"", copied.ContentDisposition);
            Assert.Equal("en-GB", copied.ContentLanguage);
            Assert.Equal("public, max-age=300", copied.CacheControl);
        }
        if (s.UserMetadata && d.UserMetadata)
            foreach (var (name, value) in UserMetadata)
                Assert.Equal(value, copied.Metadata.GetValueOrDefault(name));
        if (source.Provider.GetType() == dst.Provider.GetType() && d.StorageClass)
            Assert.Equal((await src.Provider.StatAsync(src.Child(key).Key))!.StorageClass, copied.StorageClass);
        // Every destination keeps the source's modification time, natively or in metadata (gsutil's: whole seconds).
        var kept = StoredModifiedTime.Of(copied) ?? throw new Xunit.Sdk.XunitException("no modification time");
        Assert.InRange((kept - Original).Duration(), TimeSpan.Zero, TimeSpan.FromSeconds(1));
    }

    private async Task<string> TextAsync(StorageLocation at) => Encoding.UTF8.GetString(await _engine.ReadAllBytesAsync(at, 1 << 20));

    private static byte[] Gzip(string text)
    {
        var buffer = new MemoryStream();
        using (var gzip = new GZipStream(buffer, CompressionLevel.Optimal, leaveOpen: true))
            gzip.Write(Encoding.UTF8.GetBytes(text));
        return buffer.ToArray();
    }

    private sealed class Observer : ISyncObserver
    {
        public List<SyncAction> Results { get; } = [];
        public bool ShouldProcess(SyncAction planned) => true;
        public void OnAction(SyncAction result)
        {
            lock (Results) Results.Add(result);
        }
        public void OnProgress(TransferProgress progress) { }
    }
}
