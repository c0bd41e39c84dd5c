using CloudStorage.Core.Providers;
using CloudStorage.Core.Providers.Memory;

namespace CloudStorage.Core.Tests.Conformance;

public sealed class MemoryConformanceTests : ProviderConformanceTests
{
    protected override IStorageProvider CreateProvider() => new MemoryStorageProvider("conformance-" + Guid.NewGuid().ToString("N"));
}
