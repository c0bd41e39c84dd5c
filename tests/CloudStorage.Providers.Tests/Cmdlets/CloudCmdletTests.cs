using System.Collections;
using System.Management.Automation;
using System.Security.Cryptography;
using System.Text;
using CloudStorage.Core.Addressing;
using CloudStorage.Core.Model;
using CloudStorage.PowerShell.Cmdlets;
using CloudStorage.Providers.Tests.Support;
using CloudStorage.PowerShell.Tests.Support;
using static CloudStorage.Providers.Tests.Support.ProviderTestHelpers;

namespace CloudStorage.Providers.Tests.Cmdlets;

/// <summary>
/// The cmdlets, unchanged, on a cloud provider backed by its emulator: every cmdlet runs through the recorder context
/// (the same humble-cmdlet seam as the memory/local tests) against a fresh container, and every test checks the effect
/// in the store, not only the output. A subclass names the provider: its registry (the real factory, pointed at the
/// emulator), a fresh root address, and what its emulator can do.
/// </summary>
public abstract class CloudCmdletTests : IAsyncLifetime
{
    private TestStores _stores = null!;

    /// <summary>The registry the cmdlets resolve addresses with (the provider's factory, configured for the emulator).</summary>
    protected ProviderRegistry Registry => _stores.Registry;

    /// <summary>A fresh, empty container address ending in '/', e.g. <c>s3://cs-1a2b/</c>.</summary>
    protected string Root { get; private set; } = "";

    /// <summary>Creates the registry; called once per test, before <see cref="CreateRootAsync"/>.</summary>
    protected abstract ProviderRegistry CreateRegistry();

    /// <summary>Creates a fresh, empty container (or a unique prefix of one) and returns its address, ending in '/'.</summary>
    protected abstract Task<string> CreateRootAsync();

    /// <summary>Removes what <see cref="CreateRootAsync"/> made (best effort).</summary>
    protected abstract Task DeleteRootAsync(string root);

    /// <summary>A size above the provider's multipart/block/resumable threshold as configured by <see cref="CreateRegistry"/>.</summary>
    protected abstract int LargeObjectSize { get; }

    /// <summary>The registration (URI and options) a named provider for <paramref name="root"/> needs on this emulator.</summary>
    protected abstract (string Uri, Hashtable Options) NamedRegistration(string root);

    /// <summary>Whether the emulator serves presigned URLs (it may lack the routes; the provider still signs).</summary>
    protected virtual bool EmulatorServesPresignedUrls => true;

    public async Task InitializeAsync()
    {
        _stores = new TestStores(CreateRegistry());
        Root = await CreateRootAsync();
        Assert.EndsWith("/", Root);
    }

    public async Task DisposeAsync()
    {
        try { await DeleteRootAsync(Root); } catch (Exception) { /* best effort: the emulator's data goes when it stops */ }
        _stores.Dispose();
    }

    private RecordingContext Context() => _stores.Context();

    private RecordingContext Run(PowerShell.Infrastructure.StorageCmdletBase cmdlet)
    {
        var ctx = cmdlet.Invoke(Context());
        return ctx;
    }

    private static void NoErrors(RecordingContext ctx) =>
        Assert.True(ctx.Errors.Count == 0, string.Join("\n", ctx.Errors));

    private string WriteFile(string relative, byte[] content) => _stores.WriteFile(relative, content);

    private string WriteFile(string relative, string text) => _stores.WriteFile(relative, text);

    private Task<string?> TextAsync(string uri) => _stores.TextAsync(uri);

    private Task<List<string>> KeysAsync(string prefixUri) => _stores.KeysAsync(prefixUri);

    [Fact]
    public async Task Send_puts_a_file_at_the_key_and_Get_brings_it_back_as_a_file_and_as_text()
    {
        var file = WriteFile("in/report.json", "{\"ok\":true}");
        var sent = Run(new SendStorageObjectCommand { Path = [file], Destination = Root + "reports/2026/report.json" });
        NoErrors(sent);
        var item = Assert.IsType<StorageItem>(Assert.Single(sent.Output));
        Assert.Equal(Root + "reports/2026/report.json", item.Uri);
        Assert.Equal(11, item.Size);
        Assert.Equal("application/json", item.ContentType);

        var target = Path.Combine(_stores.Temp, "out", "copy.json");
        var got = Run(new GetStorageObjectCommand { Uri = [item.Uri], Destination = target });
        NoErrors(got);
        Assert.Equal(target, Assert.IsType<FileInfo>(Assert.Single(got.Output)).FullName);
        Assert.Equal("{\"ok\":true}", await File.ReadAllTextAsync(target));

        var text = Run(new GetStorageObjectCommand { Uri = [item.Uri] }.With("AsString"));
        Assert.Equal("{\"ok\":true}", Assert.IsType<string>(Assert.Single(text.Output)));
    }

    [Fact]
    public async Task Send_with_metadata_and_content_type_is_listed_with_them()
    {
        var sent = Run(new SendStorageObjectCommand
        {
            Value = "hello", Destination = Root + "tagged.txt", ContentType = "text/x-test",
            Metadata = new Hashtable { ["owner"] = "ops" },
        });
        NoErrors(sent);
        var stat = Run(new GetStorageItemCommand { Uri = [Root + "tagged.txt"] });
        var item = Assert.IsType<StorageItem>(Assert.Single(stat.Output));
        Assert.Equal("text/x-test", item.ContentType);
        Assert.Equal("ops", item.Metadata["owner"]);
        Assert.Equal("hello", await TextAsync(Root + "tagged.txt"));
    }

    [Fact]
    public async Task Send_Recurse_uploads_a_folder_and_Get_StorageItem_lists_it_by_level_and_recursively()
    {
        WriteFile("tree/a.txt", "a");
        WriteFile("tree/sub/b.txt", "bb");
        WriteFile("tree/sub/deeper/c.txt", "ccc");
        var sent = Run(new SendStorageObjectCommand { Path = [Path.Combine(_stores.Temp, "tree")], Destination = Root + "up/" }.With("Recurse"));
        NoErrors(sent);
        Assert.Equal(3, sent.OutputOf<StorageItem>().Count());
        // Like Copy-Item -Recurse into a folder: the folder itself goes below the destination prefix.
        Assert.Equal(["up/tree/a.txt", "up/tree/sub/b.txt", "up/tree/sub/deeper/c.txt"], await KeysAsync(Root + "up/"));

        var level = Run(new GetStorageItemCommand { Uri = [Root + "up/tree/"] });
        NoErrors(level);
        var entries = level.OutputOf<StorageItem>().ToList();
        Assert.Equal([("up/tree/a.txt", false), ("up/tree/sub/", true)], entries.Select(e => (e.Key, e.IsPrefix)));

        var all = Run(new GetStorageItemCommand { Uri = [Root + "up/"] }.With("Recurse"));
        Assert.Equal([1L, 2L, 3L], all.OutputOf<StorageItem>().Where(i => !i.IsPrefix).Select(i => i.Size));
    }

    [Fact]
    public async Task A_large_object_goes_in_parts_and_is_verified_without_a_download()
    {
        var content = RandomBytes(LargeObjectSize, 7);
        var file = WriteFile("big.bin", content);
        var sent = Run(new SendStorageObjectCommand { Path = [file], Destination = Root + "big.bin" });
        NoErrors(sent);
        Assert.Equal(LargeObjectSize, Assert.IsType<StorageItem>(Assert.Single(sent.Output)).Size);
        Assert.Contains(sent.Progress, p => p.PercentComplete is > 0 and < 100);

        var check = Run(new TestStorageIntegrityCommand { Uri = [Root + "big.bin"], Reference = file });
        NoErrors(check);
        var result = Assert.IsType<IntegrityResult>(Assert.Single(check.Output));
        Assert.Equal(IntegrityStatus.Match, result.Status);
        Assert.NotEqual(IntegrityMethod.Download, result.Method);

        var back = Path.Combine(_stores.Temp, "big.back");
        NoErrors(Run(new GetStorageObjectCommand { Uri = [Root + "big.bin"], Destination = back }));
        Assert.Equal(MD5.HashData(content), MD5.HashData(await File.ReadAllBytesAsync(back)));
    }

    [Fact]
    public async Task Copy_within_the_cloud_and_to_memory_keeps_the_content()
    {
        Run(new SendStorageObjectCommand { Value = "payload", Destination = Root + "src/one.txt" });
        var inCloud = Run(new CopyStorageObjectCommand { Uri = [Root + "src/one.txt"], Destination = Root + "dst/one.txt" });
        NoErrors(inCloud);
        Assert.Equal(Root + "dst/one.txt", Assert.IsType<StorageItem>(Assert.Single(inCloud.Output)).Uri);
        Assert.Equal("payload", await TextAsync(Root + "dst/one.txt"));

        var toMemory = Run(new CopyStorageObjectCommand { Uri = [Root + "src/one.txt"], Destination = "mem://cloud-copy/one.txt" });
        NoErrors(toMemory);
        Assert.Equal("payload", await TextAsync("mem://cloud-copy/one.txt"));
    }

    [Fact]
    public async Task Remove_deletes_one_object_and_Recurse_a_whole_prefix()
    {
        foreach (var key in new[] { "keep.txt", "old/a.txt", "old/b/c.txt", "old/b/d.txt" })
            Run(new SendStorageObjectCommand { Value = key, Destination = Root + key });
        var one = Run(new RemoveStorageObjectCommand { Uri = [Root + "keep.txt"] }.With("PassThru"));
        NoErrors(one);
        Assert.Null(await TextAsync(Root + "keep.txt"));

        var many = Run(new RemoveStorageObjectCommand { Uri = [Root + "old/"] }.With("Recurse"));
        NoErrors(many);
        Assert.Equal(3, many.Questions.Count);
        Assert.Empty(await KeysAsync(Root));
    }

    [Fact]
    public async Task Sync_uploads_updates_and_deletes_only_after_the_copies_and_a_second_run_changes_nothing()
    {
        var folder = Path.Combine(_stores.Temp, "site");
        WriteFile("site/index.html", "<h1>v1</h1>");
        WriteFile("site/css/app.css", "body{}");
        WriteFile("site/old.txt", "stale");
        var first = Run(new SyncStorageProviderCommand { Source = folder, Destination = Root + "www/" });
        NoErrors(first);
        var summary = first.OutputOf<SyncSummary>().Single();
        Assert.Equal((3, 0, 0), (summary.Copied, summary.Updated, summary.Deleted));

        WriteFile("site/index.html", "<h1>version 2</h1>");
        File.Delete(Path.Combine(folder, "old.txt"));
        var second = Run(new SyncStorageProviderCommand { Source = folder, Destination = Root + "www/" }.With("Delete"));
        NoErrors(second);
        var s2 = second.OutputOf<SyncSummary>().Single();
        Assert.Equal((0, 1, 1, 1), (s2.Copied, s2.Updated, s2.Deleted, s2.Unchanged));
        Assert.Equal(["www/css/app.css", "www/index.html"], await KeysAsync(Root + "www/"));
        Assert.Equal("<h1>version 2</h1>", await TextAsync(Root + "www/index.html"));

        var third = Run(new SyncStorageProviderCommand { Source = folder, Destination = Root + "www/" }.With("Delete"));
        var s3 = third.OutputOf<SyncSummary>().Single();
        Assert.Equal((0, 0, 0, 2), (s3.Copied, s3.Updated, s3.Deleted, s3.Unchanged));

        var down = Path.Combine(_stores.Temp, "mirror");
        var back = Run(new SyncStorageProviderCommand { Source = Root + "www/", Destination = down });
        NoErrors(back);
        Assert.Equal("body{}", await File.ReadAllTextAsync(Path.Combine(down, "css", "app.css")));
    }

    [Fact]
    public void Test_StorageIntegrity_matches_a_synced_tree_and_finds_a_changed_object()
    {
        var folder = Path.Combine(_stores.Temp, "data");
        WriteFile("data/x.csv", "1,2,3");
        WriteFile("data/y/z.csv", "4,5,6");
        NoErrors(Run(new SyncStorageProviderCommand { Source = folder, Destination = Root + "data/" }));

        var ok = Run(new TestStorageIntegrityCommand { Uri = [Root + "data/"], Reference = folder }.With("Recurse"));
        NoErrors(ok);
        Assert.All(ok.OutputOf<IntegrityResult>(), r => Assert.Equal(IntegrityStatus.Match, r.Status));
        Assert.Equal(2, ok.OutputOf<IntegrityResult>().Count());

        Run(new SendStorageObjectCommand { Value = "9,9,9", Destination = Root + "data/x.csv" }.With("Force"));
        var bad = Run(new TestStorageIntegrityCommand { Uri = [Root + "data/"], Reference = folder }.With("Recurse"));
        var byKey = bad.OutputOf<IntegrityResult>().ToDictionary(r => r.Key, r => r.Status);
        Assert.Equal(IntegrityStatus.Mismatch, byKey["x.csv"]);
        Assert.Equal(IntegrityStatus.Match, byKey["y/z.csv"]);
    }

    [Fact]
    public async Task A_presigned_GET_URL_reads_the_object_and_a_PUT_URL_writes_one_from_a_plain_HttpClient()
    {
        Run(new SendStorageObjectCommand { Value = "shared secret report", Destination = Root + "share/report.txt" });
        var get = Run(new NewStoragePresignedUrlCommand { Uri = [Root + "share/report.txt"], ExpiresIn = TimeSpan.FromMinutes(5) });
        NoErrors(get);
        var getUrl = Assert.IsType<PresignedUrl>(Assert.Single(get.Output));
        Assert.Equal((Root + "share/report.txt", PresignMethod.Get), (getUrl.Uri, getUrl.Method));
        Assert.InRange(getUrl.ExpiresOn, DateTimeOffset.UtcNow.AddMinutes(4), DateTimeOffset.UtcNow.AddMinutes(5).AddSeconds(5));
        Assert.DoesNotContain("Signature", getUrl.ToString(), StringComparison.OrdinalIgnoreCase);
        if (!EmulatorServesPresignedUrls) return;

        using var http = new HttpClient();
        Assert.Equal("shared secret report", await http.GetStringAsync(getUrl.Url));

        var put = Run(new NewStoragePresignedUrlCommand { Uri = [Root + "share/upload.txt"], Method = PresignMethod.Put, ExpiresIn = TimeSpan.FromMinutes(5) });
        NoErrors(put);
        var putUrl = Assert.IsType<PresignedUrl>(Assert.Single(put.Output));
        using var request = new HttpRequestMessage(HttpMethod.Put, putUrl.Url) { Content = new StringContent("uploaded by url") };
        request.Content.Headers.ContentType = null;
        foreach (var (name, value) in putUrl.RequiredHeaders)
            if (!request.Headers.TryAddWithoutValidation(name, value)) request.Content.Headers.TryAddWithoutValidation(name, value);
        using var response = await http.SendAsync(request);
        Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        Assert.Equal("uploaded by url", await TextAsync(Root + "share/upload.txt"));
    }

    [Fact]
    public void A_missing_object_is_a_non_terminating_ObjectNotFound_naming_the_address()
    {
        var ctx = Run(new GetStorageObjectCommand { Uri = [Root + "no/such.txt", Root + "no/other.txt"] }.With("AsString"));
        Assert.Empty(ctx.Output);
        Assert.Equal(2, ctx.Errors.Count);
        Assert.All(ctx.Errors, e => Assert.Equal(("StorageNotFound", ErrorCategory.ObjectNotFound), (e.ErrorId, e.Category)));
        Assert.Equal(Root + "no/such.txt", ctx.Errors[0].TargetObject);
    }

    [Fact]
    public async Task A_named_provider_registered_by_the_cmdlet_addresses_the_same_container()
    {
        var name = "emu" + Guid.NewGuid().ToString("N")[..8];
        var (uri, options) = NamedRegistration(Root);
        NoErrors(Run(new RegisterStorageRemoteCommand { Name = name, Uri = uri, Option = options }));
        var sent = Run(new SendStorageObjectCommand { Value = "via name", Destination = name + ":named/file.txt" });
        NoErrors(sent);
        Assert.Equal("via name", await TextAsync(Root + "named/file.txt"));
        var listed = Run(new GetStorageItemCommand { Uri = [name + ":named/"] });
        Assert.Equal("named/file.txt", Assert.IsType<StorageItem>(Assert.Single(listed.Output)).Key);
    }
}
