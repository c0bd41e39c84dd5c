using CloudStorage.Core.Model;
using CloudStorage.Core.Providers.Local;

namespace CloudStorage.Core.Tests.Providers;

/// <summary>
/// The hidden temp files of transfers killed before their rename (kill -9, power loss) are recognised by name and
/// age, and a later write or delete in their folder removes them, so they never hold a folder forever.
/// </summary>
public sealed class LocalTempFileTests : IDisposable
{
    private readonly string _root = Directory.CreateDirectory(Path.Combine(Path.GetTempPath(), "cs-temp-" + Guid.NewGuid().ToString("N"))).FullName;

    public void Dispose()
    {
        try { Directory.Delete(_root, recursive: true); } catch (IOException) { }
    }

    private static Task<StorageItem> PutAsync(LocalStorageProvider provider, string key, string text) =>
        provider.WriteAsync(key, new MemoryStream(System.Text.Encoding.UTF8.GetBytes(text)), new WriteOptions());

    // What a killed transfer leaves: a temp file of ours, last written some time ago.
    private string Leftover(string folder, TimeSpan age)
    {
        var directory = Directory.CreateDirectory(Path.Combine(_root, folder)).FullName;
        var path = Path.Combine(directory, ".cloudstorage-tmp-" + Guid.NewGuid().ToString("N"));
        File.WriteAllText(path, "partial");
        File.SetLastWriteTimeUtc(path, DateTime.UtcNow - age);
        return path;
    }

    private static readonly TimeSpan Stale = LocalStorageProvider.StaleTempFileAge + TimeSpan.FromMinutes(1);

    [Fact]
    public async Task A_stale_temp_file_is_removed_by_a_later_write_into_its_folder()
    {
        var leftover = Leftover("logs", Stale);
        await PutAsync(new LocalStorageProvider(_root), "logs/new.txt", "new");
        Assert.False(File.Exists(leftover));
        Assert.Equal(["new.txt"], Directory.GetFiles(Path.Combine(_root, "logs")).Select(Path.GetFileName));
    }

    [Fact]
    public async Task A_stale_temp_file_does_not_keep_a_named_root_from_pruning_the_folder_of_its_last_object()
    {
        var provider = new LocalStorageProvider(_root);
        await PutAsync(provider, "reports/2024/q1.txt", "q1");
        var leftover = Leftover("reports/2024", Stale);

        await provider.DeleteAsync("reports/2024/q1.txt");

        Assert.False(File.Exists(leftover));
        Assert.False(Directory.Exists(Path.Combine(_root, "reports")));
        Assert.True(Directory.Exists(_root));
    }

    [Fact]
    public async Task A_stale_temp_file_is_removed_by_a_delete_in_a_plain_folder_that_is_not_pruned()
    {
        await PutAsync(new LocalStorageProvider(_root, pruneEmptyDirectories: false), "mine/a.txt", "a");
        var leftover = Leftover("mine", Stale);

        // A later session (a provider of its own) removes the object.
        await new LocalStorageProvider(_root, pruneEmptyDirectories: false).DeleteAsync("mine/a.txt");

        Assert.False(File.Exists(leftover));
        Assert.True(Directory.Exists(Path.Combine(_root, "mine")));
    }

    [Fact]
    public async Task A_young_temp_file_may_be_a_transfer_in_flight_and_is_left_alone()
    {
        var provider = new LocalStorageProvider(_root);
        var inFlight = Leftover("busy", TimeSpan.FromSeconds(5));
        await PutAsync(provider, "busy/x.txt", "x");
        await provider.DeleteAsync("busy/x.txt");

        Assert.True(File.Exists(inFlight));
    }

    [Fact]
    public async Task Only_names_of_our_pattern_are_temp_files()
    {
        var provider = new LocalStorageProvider(_root, pruneEmptyDirectories: false);
        var folder = Directory.CreateDirectory(Path.Combine(_root, "other")).FullName;
        var lookalikes = new[] { ".cloudstorage-tmp-notahexname", ".cloudstorage-tmp-", "cloudstorage-tmp-" + Guid.NewGuid().ToString("N") };
        foreach (var name in lookalikes)
        {
            File.WriteAllText(Path.Combine(folder, name), "user data");
            File.SetLastWriteTimeUtc(Path.Combine(folder, name), DateTime.UtcNow - Stale);
        }

        await PutAsync(provider, "other/x.txt", "x");

        foreach (var name in lookalikes) Assert.True(File.Exists(Path.Combine(folder, name)), name);
    }
}
