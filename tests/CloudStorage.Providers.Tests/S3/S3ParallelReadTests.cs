using CloudStorage.Providers.S3;
using CloudStorage.Providers.Tests.Emulator;
using static CloudStorage.Providers.Tests.Support.ProviderTestHelpers;

namespace CloudStorage.Providers.Tests.S3;

/// <summary>The engine's parallel ranged reads against real S3 range GETs.</summary>
[Collection(S3EmulatorCollection.Name)]
public sealed class S3ParallelReadTests(S3EmulatorFixture emulator)
{
    [Fact]
    public async Task A_large_object_downloads_as_parallel_ranges_byte_for_byte()
    {
        var bucket = await emulator.CreateBucketAsync("ranges");
        try
        {
            using var s3 = new S3StorageProvider(emulator.Options(bucket));
            await AssertDownloadsInParallelRangesAsync(s3);
        }
        finally
        {
            await emulator.DeleteBucketAsync(bucket);
        }
    }
}
