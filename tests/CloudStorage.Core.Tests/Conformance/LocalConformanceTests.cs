using CloudStorage.Core.Providers;
using CloudStorage.Core.Providers.Local;

namespace CloudStorage.Core.Tests.Conformance;

public sealed class LocalConformanceTests : ProviderConformanceTests
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "cs-conformance-" + Guid.NewGuid().ToString("N"));

    protected override IStorageProvider CreateProvider() => new LocalStorageProvider(Directory.CreateDirectory(_root).FullName);

    protected override Task DisposeProviderAsync()
    {
        if (Directory.Exists(_root)) Directory.Delete(_root, recursive: true);
        return Task.CompletedTask;
    }
}
