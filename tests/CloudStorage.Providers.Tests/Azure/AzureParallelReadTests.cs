using System.Security.Cryptography;
using CloudStorage.Addressing;
using CloudStorage.Model;
using CloudStorage.Providers.Azure;
using CloudStorage.Providers.Memory;
using CloudStorage.Providers.Tests.Emulator;
using CloudStorage.Transfer;

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
            Assert.True(azure.Capabilities.ParallelRangeReads);
            var content = new byte[9 * 1024 * 1024 + 4321];
            new Random(11).NextBytes(content);
            await azure.WriteAsync("big.bin", new MemoryStream(content), new WriteOptions { Length = content.Length });

            var target = new MemoryStorageProvider("ranges-target");
            var engine = new TransferEngine(new TransferOptions { ParallelReadThreshold = 1 << 20, ReadChunkSize = 1 << 20, ReadParallelism = 4 });
            var copied = await engine.CopyAsync(new StorageLocation(azure, "big.bin"), new StorageLocation(target, "big.bin"), new CopyRequest());

            Assert.Equal(content.Length, copied.Size);
            await using var back = await target.OpenReadAsync("big.bin");
            Assert.Equal(MD5.HashData(content), await MD5.HashDataAsync(back));
        }
        finally
        {
            await emulator.DeleteContainerAsync(container);
        }
    }
}
