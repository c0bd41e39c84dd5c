using CloudStorage.Providers;
using CloudStorage.Providers.Memory;

namespace CloudStorage.Tests.Conformance;

public sealed class MemoryConformanceTests : ProviderConformanceTests
{
    protected override IStorageProvider CreateProvider() => new MemoryStorageProvider("conformance-" + Guid.NewGuid().ToString("N"));
}
