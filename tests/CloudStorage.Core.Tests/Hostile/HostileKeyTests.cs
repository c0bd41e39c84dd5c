using System.Text;
using CloudStorage.Core.Addressing;
using CloudStorage.Core.Errors;
using CloudStorage.Core.Model;
using CloudStorage.Core.Providers;
using CloudStorage.Core.Providers.Local;
using CloudStorage.Core.Sync;
using CloudStorage.Core.Transfer;

namespace CloudStorage.Core.Tests.Hostile;

/// <summary>
/// Keys a store may hold that must never be written outside the local folder a tree is downloaded, copied or synced
/// into. Each case stores one key next to a good one under <c>p/</c> in the source, writes the tree into a folder deep
/// inside a sandbox the way Get-StorageObject -Recurse, Copy-StorageObject -Recurse and Sync-StorageProvider do (through
/// <see cref="LocalFolderProvider.Confine"/>), and checks that the sandbox holds nothing outside the folder, that a hostile
/// key fails alone as InvalidKey, and that the good key (and any harmless-but-odd key) arrives where it belongs.
/// A derived class supplies the store; keys the store itself refuses are checked to be refused there.
/// </summary>
public abstract class HostileKeyTests : IAsyncLifetime
{
    /// <summary>Replaced by the sandbox's path, so absolute forms aim at a place the test can watch.</summary>
    public const string Sandbox = "{SANDBOX}";

    private const string GoodKey = "good.txt";
    private static readonly bool Windows = OperatingSystem.IsWindows();

    private string _sandbox = "";
    private string _folder = "";
    private IStorageProvider _source = null!;

    /// <summary>Keys whose relative form must be refused on every OS.</summary>
    public static TheoryData<string> RefusedKeys => new()
    {
        // traversal
        "../escaped", "../../escaped", "../../../../escaped", "a/../../escaped", "a/b/../../../escaped",
        "..", "a/..", "./escaped", "a/./b", ".", "../" + GoodKey,
        // empty segments and absolute forms
        "/" + Sandbox + "/escaped", "//" + Sandbox + "/escaped", "a//b", "/" + Sandbox + "/../escaped", "/escaped",
        // backslashes, drive letters, UNC
        "..\\escaped", "a\\..\\..\\escaped", "\\" + Sandbox + "\\escaped", "a\\b", "C:\\escaped", "C:/escaped",
        "c:escaped", "\\\\?\\C:\\escaped", "\\\\server\\share\\escaped", "a/Z:/escaped",
        // control characters and NUL
        "a\0b", "..\0/escaped", "a\nb", "a\rb", "a\tb", "\u001b[31mred", "a\u007fb", "a\u0085b",
        // names no file system here can hold
        new string('x', 256), string.Concat(Enumerable.Repeat("\u00e9", 200)), string.Join('/', Enumerable.Repeat(new string('d', 200), 6)),
        ".cloudstorage-tmp-0123456789abcdef", "a/.cloudstorage-tmp-x",
        // more traversal shapes
        "a/b/c/../../../../escaped", "./../escaped",
    };

    /// <summary>Odd keys that are legal here and must arrive inside the folder, under their own name.</summary>
    public static TheoryData<string> HarmlessKeys => new()
    {
        "...", "..a", "a..", ".hidden", " leading space", "a%2F..%2Fescaped", "%2e%2e/escaped", "\u00fcn\u00efc\u00f6d\u00e9/\u043a\u043b\u044e\u0447",
        "emoji \ud83d\ude00", "deep/er/than/the/others/x",
    };

    /// <summary>Legal on Linux and macOS, refused on Windows (reserved names, characters Windows paths cannot hold).</summary>
    public static TheoryData<string> WindowsOnlyRefusedKeys => new()
    {
        "CON", "aux.txt", "trailing.", "trailing ", "a<b>c", "a|b?c*", "q\"uote", "ab:c",
    };

    /// <summary>The store under test, empty.</summary>
    protected abstract Task<IStorageProvider> CreateSourceAsync();

    /// <summary>Releases the store.</summary>
    protected virtual Task DisposeSourceAsync(IStorageProvider source) => Task.CompletedTask;

    public async Task InitializeAsync()
    {
        _sandbox = Path.Combine(Path.GetTempPath(), "cs-hostile-" + Guid.NewGuid().ToString("N"));
        _folder = Path.Combine(_sandbox, "a", "b", "c", "d");
        Directory.CreateDirectory(_sandbox);
        _source = await CreateSourceAsync();
    }

    public async Task DisposeAsync()
    {
        await DisposeSourceAsync(_source);
        try { Directory.Delete(_sandbox, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    [Theory]
    [MemberData(nameof(RefusedKeys))]
    public async Task Hostile_key_in_a_recursive_download_fails_alone_and_writes_nothing_outside_the_folder(string key) =>
        await RefusedAsync(key, DownloadAsync);

    [Theory]
    [MemberData(nameof(RefusedKeys))]
    public async Task Hostile_key_in_a_sync_to_a_folder_fails_alone_and_writes_nothing_outside_the_folder(string key) =>
        await RefusedAsync(key, SyncAsync);

    [Theory]
    [MemberData(nameof(HarmlessKeys))]
    public async Task Hostile_looking_but_legal_key_arrives_inside_the_folder(string key)
    {
        if (!await StoreAsync(key)) return;
        var failures = await DownloadAsync();
        Assert.Empty(failures);
        AssertArrived(key);
        AssertNothingOutsideFolder();
    }

    [Theory]
    [MemberData(nameof(WindowsOnlyRefusedKeys))]
    public async Task Hostile_on_Windows_key_is_refused_there_and_arrives_elsewhere(string key)
    {
        if (!await StoreAsync(key)) return;
        var failures = await DownloadAsync();
        if (Windows)
        {
            Assert.Equal(StorageErrorKind.InvalidKey, Assert.Single(failures).Kind);
        }
        else
        {
            Assert.Empty(failures);
            AssertArrived(key);
        }
        AssertArrived(GoodKey);
        AssertNothingOutsideFolder();
    }

    [Fact]
    public async Task Hostile_link_inside_the_folder_does_not_lead_a_write_outside()
    {
        var outside = Path.Combine(_sandbox, "outside");
        Directory.CreateDirectory(outside);
        Directory.CreateDirectory(_folder);
        try { Directory.CreateSymbolicLink(Path.Combine(_folder, "link"), outside); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return; } // no link rights (Windows without developer mode)
        Assert.True(await StoreAsync("link/escaped"));
        var failures = await DownloadAsync();
        Assert.Equal(StorageErrorKind.InvalidKey, Assert.Single(failures).Kind);
        Assert.Empty(Directory.EnumerateFileSystemEntries(outside));
        AssertArrived(GoodKey);
    }

    private async Task RefusedAsync(string key, Func<Task<List<StorageException>>> write)
    {
        if (!await StoreAsync(key)) return;
        var failures = await write();
        var failure = Assert.Single(failures);
        Assert.Equal(StorageErrorKind.InvalidKey, failure.Kind);
        Assert.DoesNotContain('\0', failure.Message);
        AssertArrived(GoodKey);
        AssertNothingOutsideFolder();
    }

    // Stores the key (and the good one) under p/; false, after checking the refusal, when the store cannot hold it.
    private async Task<bool> StoreAsync(string key)
    {
        key = key.Replace(Sandbox, _sandbox.TrimStart('/', '\\').Replace('\\', '/'));
        await Write("p/" + GoodKey);
        try
        {
            await Write("p/" + key);
            // Some stacks normalise a key on the way (an HTTP client removes "/../" from a URL path): the store then
            // does not hold this key, and the download cannot meet it.
            await foreach (var item in _source.ListAsync(new ListRequest { Prefix = "p/" }))
                if (item.Key == "p/" + key) return true;
            return false;
        }
        catch (StorageException)
        {
            // A store that cannot hold the key (our providers refuse control characters; an emulator may refuse '//')
            // cannot hand it to a download either; what matters is that it says so as a StorageException.
            return false;
        }

        async Task Write(string k)
        {
            var bytes = Encoding.UTF8.GetBytes("content of " + k);
            await _source.WriteAsync(k, new MemoryStream(bytes), new WriteOptions { Length = bytes.Length });
        }
    }

    private StorageLocation Folder() =>
        LocalFolderProvider.Confine(new ProviderRegistry().Resolve(_folder + Path.DirectorySeparatorChar));

    // What Get-StorageObject -Recurse and Copy-StorageObject -Recurse do: each listed object to the folder, one by one.
    private async Task<List<StorageException>> DownloadAsync()
    {
        var engine = new TransferEngine();
        var folder = Folder();
        var failures = new List<StorageException>();
        var source = new StorageLocation(_source, "p/");
        await foreach (var (item, relative) in ItemLister.ExpandAsync(source, recurse: true))
        {
            try
            {
                await engine.CopyItemAsync(item, new StorageLocation(_source, item.Key), folder.Child(relative), new CopyRequest { Overwrite = true });
            }
            catch (StorageException e)
            {
                failures.Add(e);
            }
        }
        return failures;
    }

    private async Task<List<StorageException>> SyncAsync()
    {
        var observer = new Observer();
        var summary = await new SyncEngine(new TransferEngine()).RunAsync(new StorageLocation(_source, "p/"), Folder(), new SyncOptions(), observer);
        Assert.Equal(observer.Failed.Count, summary.Failed);
        return observer.Failed.Select(a => new StorageException(a.ErrorKind ?? StorageErrorKind.Unknown, a.Error ?? "", a.Uri)).ToList();
    }

    private void AssertArrived(string key)
    {
        var path = Path.Combine(_folder, key.Replace('/', Path.DirectorySeparatorChar));
        Assert.True(File.Exists(path), $"'{key}' did not arrive at '{path}'");
        Assert.Equal("content of p/" + key, File.ReadAllText(path));
    }

    private void AssertNothingOutsideFolder()
    {
        var folder = _folder + Path.DirectorySeparatorChar;
        var stray = Directory.EnumerateFiles(_sandbox, "*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0 })
            .Where(f => !f.StartsWith(folder, StringComparison.Ordinal)).ToList();
        Assert.Empty(stray);
        // Nor in the places an absolute or rooted key could reach without the sandbox in it.
        Assert.False(File.Exists(Path.Combine(Path.GetPathRoot(_sandbox)!, "escaped")));
        Assert.False(Directory.EnumerateFileSystemEntries(_folder, ".cloudstorage-tmp-*", SearchOption.AllDirectories).Any(),
            "a temporary file was left behind");
    }

    private sealed class Observer : ISyncObserver
    {
        public List<SyncAction> Failed { get; } = new();
        public bool ShouldProcess(SyncAction planned) => true;
        public void OnAction(SyncAction result) { if (result.Status == SyncActionStatus.Failed) lock (Failed) Failed.Add(result); }
        public void OnProgress(TransferProgress progress) { }
    }
}
