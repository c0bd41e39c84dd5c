using CloudStorage.Providers.S3;
using CloudStorage.Providers.Tests.Emulator;
using CloudStorage.Core.Tests.Conformance;
using CloudStorage.Core.Providers;

namespace CloudStorage.Providers.Tests.S3;

/// <summary>The shared provider suite against the S3 emulator, a fresh bucket per test.</summary>
[Collection(S3EmulatorCollection.Name)]
public sealed class S3ConformanceTests(S3EmulatorFixture emulator) : ProviderConformanceTests
{
    private string? _bucket;

    protected override IStorageProvider CreateProvider()
    {
        _bucket = emulator.CreateBucketAsync("conformance").GetAwaiter().GetResult();
        return new S3StorageProvider(emulator.Options(_bucket));
    }

    protected override async Task DisposeProviderAsync()
    {
        (Provider as IDisposable)?.Dispose();
        if (_bucket is not null) await emulator.DeleteBucketAsync(_bucket);
    }
}
