using CloudStorage.Core.Providers;
using CloudStorage.Core.Providers.Local;
using CloudStorage.Core.Providers.Memory;

namespace CloudStorage.Core.Tests.Conformance;

// A named provider is a provider: the whole suite runs through one, under a root prefix, so every ability it
// declares (its inner provider's, for its own keys) passes the same tests.
public sealed class NamedMemoryConformanceTests : ProviderConformanceTests
{
    protected override IStorageProvider CreateProvider() =>
        new NamedProvider("conf-named", new MemoryStorageProvider("conformance-" + Guid.NewGuid().ToString("N")), "root/sub");
}

public sealed class NamedLocalConformanceTests : ProviderConformanceTests
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "cs-named-conf-" + Guid.NewGuid().ToString("N"));

    protected override IStorageProvider CreateProvider()
    {
        Directory.CreateDirectory(_root);
        return new NamedProvider("conf-named-local", new LocalStorageProvider(_root), "root/");
    }

    protected override Task DisposeProviderAsync()
    {
        if (Directory.Exists(_root)) Directory.Delete(_root, recursive: true);
        return Task.CompletedTask;
    }
}
