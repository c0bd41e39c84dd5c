using CloudStorage.Providers.Azure;
using CloudStorage.Providers.Tests.Emulator;
using static CloudStorage.Providers.Tests.Support.ProviderTestHelpers;

namespace CloudStorage.Providers.Tests.Azure;

/// <summary>The engine's parallel ranged reads against real Get Blob range requests.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class AzureParallelReadTests(AzuriteFixture emulator)
{
    [Fact]
    public async Task A_large_blob_downloads_as_parallel_ranges_byte_for_byte()
    {
        var container = await emulator.CreateContainerAsync("ranges");
        try
        {
            var azure = new AzureBlobStorageProvider(emulator.Options(container));
            await AssertDownloadsInParallelRangesAsync(azure);
        }
        finally
        {
            await emulator.DeleteContainerAsync(container);
        }
    }
}
