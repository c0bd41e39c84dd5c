using System.Security.Cryptography;
using CloudStorage.Addressing;
using CloudStorage.Model;
using CloudStorage.Providers.Memory;
using CloudStorage.Providers.S3;
using CloudStorage.Providers.Tests.Emulator;
using CloudStorage.Transfer;

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
            Assert.True(s3.Capabilities.ParallelRangeReads);
            var content = new byte[9 * 1024 * 1024 + 4321];
            new Random(11).NextBytes(content);
            await s3.WriteAsync("big.bin", new MemoryStream(content), new WriteOptions { Length = content.Length });

            var target = new MemoryStorageProvider("ranges-target");
            var engine = new TransferEngine(new TransferOptions { ParallelReadThreshold = 1 << 20, ReadChunkSize = 1 << 20, ReadParallelism = 4 });
            var copied = await engine.CopyAsync(new StorageLocation(s3, "big.bin"), new StorageLocation(target, "big.bin"), new CopyRequest());

            Assert.Equal(content.Length, copied.Size);
            await using var back = await target.OpenReadAsync("big.bin");
            Assert.Equal(MD5.HashData(content), await MD5.HashDataAsync(back));
        }
        finally
        {
            await emulator.DeleteBucketAsync(bucket);
        }
    }
}
