using System.Text;
using CloudStorage.Core.Addressing;
using CloudStorage.Core.Model;

namespace CloudStorage.PowerShell.Tests.Support;

/// <summary>A private registry (memory stores, a fake s3 bucket) and a temporary folder per test.</summary>
public sealed class TestStores : IDisposable
{
    private string? _temp;

    public TestStores()
    {
        Registry = new ProviderRegistry();
        _cloud = new FakeCloudProvider("bucket");
        Registry.RegisterFactory(new FakeCloudFactory(_cloud));
    }

    /// <summary>Stores behind <paramref name="registry"/> as given (real cloud providers on their emulators), no fake bucket.</summary>
    public TestStores(ProviderRegistry registry) => Registry = registry;

    public ProviderRegistry Registry { get; }

    /// <summary>The bucket behind <c>s3://bucket/...</c>: a memory store that can presign and fail on demand.</summary>
    public FakeCloudProvider Cloud => _cloud ?? throw new InvalidOperationException("These stores have no fake bucket.");
    private readonly FakeCloudProvider? _cloud;

    /// <summary>A fresh temporary directory, deleted at the end of the test.</summary>
    public string Temp
    {
        get
        {
            if (_temp is null)
            {
                _temp = Path.Combine(Path.GetTempPath(), "cs-ps-" + Guid.NewGuid().ToString("N")[..10]);
                Directory.CreateDirectory(_temp);
            }
            return _temp;
        }
    }

    public RecordingContext Context() => new(Registry, Temp);

    public async Task<StorageItem> PutAsync(string uri, string text, string? contentType = null, IReadOnlyDictionary<string, string>? metadata = null)
    {
        var location = Registry.Resolve(uri);
        return await location.Provider.WriteAsync(location.Key, new MemoryStream(Encoding.UTF8.GetBytes(text)),
            new WriteOptions { ContentType = contentType, Metadata = metadata });
    }

    public async Task<StorageItem?> StatAsync(string uri)
    {
        var location = Registry.Resolve(uri);
        return await location.Provider.StatAsync(location.Key);
    }

    public async Task<string?> TextAsync(string uri)
    {
        var location = Registry.Resolve(uri);
        if (await location.Provider.StatAsync(location.Key) is null) return null;
        await using var s = await location.Provider.OpenReadAsync(location.Key);
        return await new StreamReader(s).ReadToEndAsync();
    }

    public async Task<List<string>> KeysAsync(string prefixUri)
    {
        var location = Registry.Resolve(prefixUri);
        var keys = new List<string>();
        await foreach (var item in location.Provider.ListAsync(ListRequest.Recursive(location.Key))) keys.Add(item.Key);
        return keys;
    }

    public string WriteFile(string relative, string text) => WriteFile(relative, System.Text.Encoding.UTF8.GetBytes(text));

    public string WriteFile(string relative, byte[] content)
    {
        var path = Path.Combine(Temp, relative.Replace('/', Path.DirectorySeparatorChar));
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, content);
        return path;
    }

    public void Dispose()
    {
        if (_temp is not null && Directory.Exists(_temp))
        {
            try { Directory.Delete(_temp, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }
}
