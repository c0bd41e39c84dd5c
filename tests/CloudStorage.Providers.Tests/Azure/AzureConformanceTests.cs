using CloudStorage.Providers.Azure;
using CloudStorage.Providers.Tests.Emulator;
using CloudStorage.Core.Tests.Conformance;
using CloudStorage.Core.Providers;

namespace CloudStorage.Providers.Tests.Azure;

/// <summary>
/// The shared provider suite against Azurite, a fresh container per test. Blocks of 1 MiB from 2 MiB on, so the
/// suite's multi-MiB objects go up as staged blocks and a block list, not only as single Put Blob requests.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class AzureConformanceTests(AzuriteFixture emulator) : ProviderConformanceTests
{
    private string? _container;

    protected override IStorageProvider CreateProvider()
    {
        _container = emulator.CreateContainerAsync("conformance").GetAwaiter().GetResult();
        return new AzureBlobStorageProvider(emulator.Options(_container) with { BlockSize = 1024 * 1024, SingleUploadThreshold = 2 * 1024 * 1024 });
    }

    protected override async Task DisposeProviderAsync()
    {
        if (_container is not null) await emulator.DeleteContainerAsync(_container);
    }
}
