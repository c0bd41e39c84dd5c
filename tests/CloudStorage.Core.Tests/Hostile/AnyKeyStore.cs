using System.Runtime.CompilerServices;
using CloudStorage.Core.Addressing;
using CloudStorage.Core.Errors;
using CloudStorage.Core.Model;
using CloudStorage.Core.Providers;

namespace CloudStorage.Core.Tests.Hostile;

/// <summary>A store without key rules, standing in for a bucket that holds keys our own providers would refuse to write.</summary>
internal sealed class AnyKeyStore : IStorageProvider
{
    private readonly SortedDictionary<string, (byte[] Bytes, DateTimeOffset Modified)> _objects = new(StringComparer.Ordinal);

    public string Name => "anykey";
    public string AddressRoot => "mem://anykey/";
    public ProviderCapabilities Capabilities { get; } = new();

    public async IAsyncEnumerable<StorageItem> ListAsync(ListRequest request, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await Task.Yield();
        List<StorageItem> items;
        lock (_objects)
            items = _objects.Where(o => o.Key.StartsWith(request.Prefix, StringComparison.Ordinal)).Select(o => Item(o.Key, o.Value)).ToList();
        foreach (var item in items) yield return item;
    }

    public Task<StorageItem?> StatAsync(string key, CancellationToken cancellationToken = default)
    {
        lock (_objects) return Task.FromResult(_objects.TryGetValue(key, out var o) ? Item(key, o) : null);
    }

    public Task<Stream> OpenReadAsync(string key, ByteRange? range = null, CancellationToken cancellationToken = default)
    {
        lock (_objects)
        {
            if (!_objects.TryGetValue(key, out var o)) throw new StorageException(StorageErrorKind.NotFound, "not found", key);
            return Task.FromResult<Stream>(new MemoryStream(o.Bytes, writable: false));
        }
    }

    public async Task<StorageItem> WriteAsync(string key, Stream content, WriteOptions options, CancellationToken cancellationToken = default)
    {
        var buffer = new MemoryStream();
        await content.CopyToAsync(buffer, cancellationToken);
        var value = (buffer.ToArray(), DateTimeOffset.UtcNow);
        lock (_objects) _objects[key] = value;
        return Item(key, value);
    }

    public Task DeleteAsync(string key, CancellationToken cancellationToken = default)
    {
        lock (_objects) _objects.Remove(key);
        return Task.CompletedTask;
    }

    private StorageItem Item(string key, (byte[] Bytes, DateTimeOffset Modified) o) => new()
    {
        ProviderName = Name, Key = key, Uri = AddressRoot + key, Size = o.Bytes.Length, LastModified = o.Modified,
    };
}
