// PLACEHOLDER being replaced by the local-provider work in this session.
using CloudStorage.Model;
namespace CloudStorage.Providers.Local;
public sealed class LocalStorageProvider : IStorageProvider
{
    public LocalStorageProvider(string rootDirectory, string? name = null) { RootDirectory = rootDirectory; Name = name ?? "file"; }
    public string RootDirectory { get; }
    public string Name { get; }
    public string AddressRoot => "file:///";
    public ProviderCapabilities Capabilities { get; } = new();
    public IAsyncEnumerable<StorageItem> ListAsync(ListRequest request, CancellationToken cancellationToken = default) => throw new NotSupportedException();
    public Task<StorageItem?> StatAsync(string key, CancellationToken cancellationToken = default) => throw new NotSupportedException();
    public Task<Stream> OpenReadAsync(string key, ByteRange? range = null, CancellationToken cancellationToken = default) => throw new NotSupportedException();
    public Task<StorageItem> WriteAsync(string key, Stream content, WriteOptions options, CancellationToken cancellationToken = default) => throw new NotSupportedException();
    public Task DeleteAsync(string key, CancellationToken cancellationToken = default) => throw new NotSupportedException();
}
