using CloudStorage.Providers.Gcs;
using CloudStorage.Providers.Tests.Emulator;
using CloudStorage.Core.Tests.Conformance;
using CloudStorage.Core.Providers;

namespace CloudStorage.Providers.Tests.Gcs;

/// <summary>The shared provider suite against the GCS emulator, a fresh bucket per test.</summary>
[Collection(GcsEmulatorCollection.Name)]
public sealed class GcsConformanceTests(GcsEmulatorFixture emulator) : ProviderConformanceTests
{
    protected override IStorageProvider CreateProvider() => new GcsStorageProvider(emulator.Options(emulator.NewBucket("conformance")));

    protected override Task DisposeProviderAsync()
    {
        (Provider as IDisposable)?.Dispose();
        return Task.CompletedTask;
    }
}

/// <summary>
/// The suite again with every write above 256 KiB going through a resumable session in 256 KiB chunks, so the
/// chunked path (308 replies, final chunk, hash checks before commit) meets every case too.
/// </summary>
[Collection(GcsEmulatorCollection.Name)]
public sealed class GcsResumableConformanceTests(GcsEmulatorFixture emulator) : ProviderConformanceTests
{
    protected override IStorageProvider CreateProvider() => new GcsStorageProvider(emulator.Options(emulator.NewBucket("resumable")) with
    {
        SimpleUploadThreshold = 256 * 1024,
        ChunkSize = GcsProviderOptions.ChunkGranularity,
    });

    protected override Task DisposeProviderAsync()
    {
        (Provider as IDisposable)?.Dispose();
        return Task.CompletedTask;
    }
}
