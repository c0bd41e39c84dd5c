using CloudStorage.Core.Addressing;
using CloudStorage.Core.Errors;
using CloudStorage.Core.Model;
using CloudStorage.Core.Providers;

namespace CloudStorage.Core.Tests.Conformance;

/// <summary>
/// The one suite every provider passes (rclone's fstests, OpenDAL's behaviour tests). A subclass hands over a
/// fresh, empty provider per test; the tests use only the contract and the declared capabilities, and where a
/// capability is not declared they check that it is consistently absent. Split by area into partial files.
/// </summary>
public abstract partial class ProviderConformanceTests : IAsyncLifetime
{
    protected const int MiB = 1024 * 1024;

    /// <summary>The provider under test: fresh and empty for each test.</summary>
    protected IStorageProvider Provider { get; private set; } = null!;

    /// <summary>Creates a fresh, empty provider.</summary>
    protected abstract IStorageProvider CreateProvider();

    /// <summary>Releases what <see cref="CreateProvider"/> made (temp directories, emulator buckets).</summary>
    protected virtual Task DisposeProviderAsync() => Task.CompletedTask;

    public Task InitializeAsync()
    {
        Provider = CreateProvider();
        return Task.CompletedTask;
    }

    public Task DisposeAsync() => DisposeProviderAsync();

    protected ProviderCapabilities Caps => Provider.Capabilities;

    protected static byte[] RandomBytes(int size, int seed = 1)
    {
        var bytes = new byte[size];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    protected static byte[] Utf8(string text) => System.Text.Encoding.UTF8.GetBytes(text);

    protected Task<StorageItem> PutAsync(string key, byte[] data, WriteOptions? options = null, CancellationToken cancellationToken = default) =>
        Provider.WriteAsync(key, new MemoryStream(data), options ?? new WriteOptions { Length = data.Length }, cancellationToken);

    protected Task<StorageItem> PutAsync(string key, string text) => PutAsync(key, Utf8(text));

    protected async Task PutAllAsync(IEnumerable<string> keys)
    {
        foreach (var key in keys) await PutAsync(key, Utf8("content of " + key));
    }

    protected async Task<byte[]> GetAsync(string key, ByteRange? range = null)
    {
        await using var stream = await Provider.OpenReadAsync(key, range);
        return await ReadToEndAsync(stream);
    }

    protected static async Task<byte[]> ReadToEndAsync(Stream stream)
    {
        var buffer = new MemoryStream();
        await stream.CopyToAsync(buffer);
        return buffer.ToArray();
    }

    protected async Task<List<StorageItem>> ListAsync(ListRequest request, CancellationToken cancellationToken = default)
    {
        var items = new List<StorageItem>();
        await foreach (var item in Provider.ListAsync(request, cancellationToken)) items.Add(item);
        return items;
    }

    protected async Task<List<string>> ListKeysAsync(string prefix = "", string? delimiter = null, int? pageSize = null) =>
        (await ListAsync(new ListRequest { Prefix = prefix, Delimiter = delimiter, PageSize = pageSize })).Select(i => i.Key).ToList();

    protected static async Task<StorageException> AssertFailsAsync(StorageErrorKind kind, Func<Task> action)
    {
        var e = await Assert.ThrowsAsync<StorageException>(action);
        Assert.True(kind == e.Kind, $"Expected {kind} but got {e.Kind}: {e.Message}");
        return e;
    }

    protected static List<string> SortedByKey(IEnumerable<string> keys)
    {
        var list = keys.ToList();
        list.Sort(KeyComparer.Instance);
        return list;
    }

    /// <summary>What an object-store listing of <paramref name="keys"/> must return: a small reference model.</summary>
    protected static List<string> ExpectedListing(IEnumerable<string> keys, string prefix, string? delimiter)
    {
        var result = new HashSet<string>(StringComparer.Ordinal);
        foreach (var key in keys)
        {
            if (!key.StartsWith(prefix, StringComparison.Ordinal)) continue;
            var cut = delimiter is null ? -1 : key.IndexOf(delimiter, prefix.Length, StringComparison.Ordinal);
            result.Add(cut < 0 ? key : key[..(cut + delimiter!.Length)]);
        }
        return SortedByKey(result);
    }

    protected static IReadOnlyList<ContentHash> AllHashesOf(byte[] data) =>
        Enum.GetValues<HashAlgorithmKind>().Select(a => ContentHash.Compute(a, data)).ToList();

    protected static ContentHash WrongHash(HashAlgorithmKind algorithm) =>
        ContentHash.Compute(algorithm, Utf8("something else entirely"));

    protected void AssertItemAddressing(StorageItem item, string key)
    {
        Assert.Equal(key, item.Key);
        Assert.Equal(Provider.AddressRoot + key, item.Uri);
        Assert.Equal(Provider.Name, item.ProviderName);
        var trimmed = key.TrimEnd('/');
        Assert.Equal(trimmed[(trimmed.LastIndexOf('/') + 1)..], item.Name);
    }
}
