using System.Text;
using CloudStorage.Core.Errors;
using CloudStorage.Core.Integrity;
using CloudStorage.Core.Model;
using CloudStorage.Core.Transfer;

namespace CloudStorage.Core.Tests.Operations;

/// <summary>What a copy keeps besides the bytes (issue 10), and integrity results that name their evidence.</summary>
public class CopyFidelityTests
{
    private readonly TransferEngine _engine = new();

    private static async Task<CloudStorage.Core.Providers.Memory.MemoryStorageProvider> WithPageAsync(IReadOnlyDictionary<string, string>? metadata = null)
    {
        var store = Mem.Store();
        var bytes = Encoding.UTF8.GetBytes("<p>hello</p>");
        await store.WriteAsync("site/page.html", new MemoryStream(bytes), new WriteOptions
        {
            Length = bytes.Length, ContentType = "text/html", ContentEncoding = "gzip", ContentDisposition = "inline",
            ContentLanguage = "de", CacheControl = "max-age=60",
            Metadata = metadata ?? new Dictionary<string, string> { ["owner"] = "web" },
        });
        return store;
    }

    [Fact]
    public async Task A_copy_of_a_listed_item_keeps_the_content_type_headers_and_metadata_the_listing_lacks()
    {
        var src = new BareListingStore(await WithPageAsync());
        var dst = Mem.Store();
        var listed = await src.ListAsync(ListRequest.Recursive("site/")).SingleAsync();
        Assert.Null(listed.ContentType); // the listing has none of it, as S3's has not

        await _engine.CopyItemAsync(listed, new(src, listed.Key), dst.At("copy.html"), new CopyRequest());

        var copy = (await dst.StatAsync("copy.html"))!;
        Assert.Equal("text/html", copy.ContentType);
        Assert.Equal("web", copy.Metadata["owner"]);
        Assert.Equal(("gzip", "inline", "de", "max-age=60"), (copy.ContentEncoding, copy.ContentDisposition, copy.ContentLanguage, copy.CacheControl));
    }

    [Fact]
    public async Task A_copy_carries_the_users_metadata_but_not_the_sources_bookkeeping()
    {
        var src = await WithPageAsync(new Dictionary<string, string>
        {
            ["owner"] = "web", ["mtime"] = "1715938215.250000000", ["cloudstorage-md5"] = new string('0', 32), ["md5chksum"] = "AAAAAAAAAAAAAAAAAAAAAA==",
        });
        var dst = Mem.Store();
        await _engine.CopyAsync(src.At("site/page.html"), dst.At("p.html"), new CopyRequest { AllowServerSideCopy = false });
        var copy = (await dst.StatAsync("p.html"))!;
        Assert.Equal(["owner"], copy.Metadata.Keys);
        // The stored time travels as the copy's time instead.
        Assert.Equal(StoredModifiedTime.Parse("1715938215.250000000"), copy.LastModified);
    }

    [Fact]
    public async Task A_metadata_name_the_destination_cannot_hold_fails_the_object_with_InvalidArgument_naming_the_key()
    {
        var src = await WithPageAsync(new Dictionary<string, string> { ["original-filename"] = "page.html", ["owner"] = "web" });
        var dst = new IdentifierMetadataStore(Mem.Store());
        var ex = await Assert.ThrowsAsync<StorageException>(() => _engine.CopyAsync(src.At("site/page.html"), new(dst, "p.html"), new CopyRequest()));
        Assert.Equal(StorageErrorKind.InvalidArgument, ex.Kind);
        Assert.Contains("metadata name 'original-filename'", ex.Message);
        Assert.Contains("-InvalidMetadata", ex.Message);
        Assert.Equal(0, dst.Store.Count);
    }

    [Fact]
    public async Task InvalidMetadata_Rename_stores_the_name_as_AzCopy_does_and_Exclude_leaves_it_out()
    {
        var src = await WithPageAsync(new Dictionary<string, string> { ["original-filename"] = "page.html", ["owner"] = "web", ["note"] = "Grüße" });
        var dst = new IdentifierMetadataStore(Mem.Store());

        await _engine.CopyAsync(src.At("site/page.html"), new(dst, "renamed.html"), new CopyRequest { InvalidMetadata = InvalidMetadataHandling.Rename });
        var renamed = (await dst.StatAsync("renamed.html"))!.Metadata;
        Assert.Equal("page.html", renamed["rename_original_filename"]);
        Assert.Equal("original-filename", renamed["rename_key_original_filename"]);
        Assert.Equal("=?UTF-8?B?" + Convert.ToBase64String(Encoding.UTF8.GetBytes("Grüße")) + "?=", renamed["note"]);
        Assert.Equal("web", renamed["owner"]);

        await _engine.CopyAsync(src.At("site/page.html"), new(dst, "excluded.html"), new CopyRequest { InvalidMetadata = InvalidMetadataHandling.Exclude });
        Assert.Equal(["owner"], (await dst.StatAsync("excluded.html"))!.Metadata.Keys);
    }

    [Fact]
    public async Task A_metadata_value_the_destination_cannot_hold_fails_with_InvalidArgument_naming_the_key()
    {
        var src = await WithPageAsync(new Dictionary<string, string> { ["note"] = "Grüße" });
        var dst = new IdentifierMetadataStore(Mem.Store());
        var ex = await Assert.ThrowsAsync<StorageException>(() => _engine.CopyAsync(src.At("site/page.html"), new(dst, "p.html"), new CopyRequest()));
        Assert.Equal(StorageErrorKind.InvalidArgument, ex.Kind);
        Assert.Contains("value of metadata 'note'", ex.Message);
    }

    [Fact]
    public async Task An_integrity_check_decided_by_a_hash_stored_at_upload_says_StoredHash()
    {
        var reference = Mem.Store();
        await reference.PutAsync("a.txt", "alpha");
        var md5 = (await reference.StatAsync("a.txt"))!.GetHash(HashAlgorithmKind.MD5)!;
        // Like a multipart S3 object: no native hash; the MD5 stored at upload is in its metadata, which only a stat shows.
        var target = new UploadTimeStore(Mem.Store());
        await target.Store.PutAsync("a.txt", "alpha", metadata: new Dictionary<string, string> { ["cloudstorage-md5"] = md5.Hex });

        var result = Assert.Single(await new IntegrityChecker(_engine).CheckAsync(new(target, ""), reference.At(""), new IntegrityOptions()).ToListAsync());
        Assert.Equal((IntegrityStatus.Match, IntegrityMethod.StoredHash), (result.Status, result.Method));
    }

    [Fact]
    public async Task A_missing_object_under_Uri_is_one_Missing_result()
    {
        var store = Mem.Store();
        await store.PutAsync("f1.txt", "1");
        await store.PutAsync("f2.txt", "2");
        var results = await new IntegrityChecker(_engine).CheckAsync(store.At("missing.txt"), store.At(""), new IntegrityOptions()).ToListAsync();
        var result = Assert.Single(results);
        Assert.Equal((IntegrityStatus.Missing, "mem://" + store.StoreName + "/missing.txt"), (result.Status, result.Uri));
    }

    [Fact]
    public async Task Integrity_stops_on_an_unsorted_listing_on_either_side()
    {
        var sorted = Mem.Store();
        var unsorted = new UnsortedListingStore(Mem.Store());
        foreach (var key in new[] { "a", "b", "c" })
        {
            await sorted.PutAsync(key, key);
            await unsorted.Store.PutAsync(key, key);
        }
        var checker = new IntegrityChecker(_engine);
        var asTarget = await Assert.ThrowsAsync<StorageException>(async () => await checker.CheckAsync(new(unsorted, ""), sorted.At(""), new IntegrityOptions()).ToListAsync());
        var asReference = await Assert.ThrowsAsync<StorageException>(async () => await checker.CheckAsync(sorted.At(""), new(unsorted, ""), new IntegrityOptions()).ToListAsync());
        Assert.Equal((StorageErrorKind.Conflict, StorageErrorKind.Conflict), (asTarget.Kind, asReference.Kind));
    }
}
