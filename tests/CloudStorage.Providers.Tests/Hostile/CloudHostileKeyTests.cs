using CloudStorage.Providers.Azure;
using CloudStorage.Providers.Gcs;
using CloudStorage.Providers.S3;
using CloudStorage.Providers.Tests.Emulator;
using CloudStorage.Core.Tests.Hostile;
using CloudStorage.Core.Providers;

namespace CloudStorage.Providers.Tests.Hostile;

/// <summary>The hostile corpus from Azurite: Azure stores '..' segments, empty segments and backslashes verbatim.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class AzureHostileKeyTests(AzuriteFixture emulator) : HostileKeyTests
{
    private string? _container;

    protected override async Task<IStorageProvider> CreateSourceAsync()
    {
        _container = await emulator.CreateContainerAsync("hostile");
        return new AzureBlobStorageProvider(emulator.Options(_container));
    }

    protected override async Task DisposeSourceAsync(IStorageProvider source)
    {
        if (_container is not null) await emulator.DeleteContainerAsync(_container);
    }
}

/// <summary>The hostile corpus from the GCS emulator (object names are any UTF-8 without control characters).</summary>
[Collection(GcsEmulatorCollection.Name)]
public sealed class GcsHostileKeyTests(GcsEmulatorFixture emulator) : HostileKeyTests
{
    protected override Task<IStorageProvider> CreateSourceAsync() =>
        Task.FromResult<IStorageProvider>(new GcsStorageProvider(emulator.Options(emulator.NewBucket("hostile"))));

    protected override Task DisposeSourceAsync(IStorageProvider source)
    {
        (source as IDisposable)?.Dispose();
        return Task.CompletedTask;
    }
}

/// <summary>
/// The hostile corpus from the S3 emulator, for the keys it can hold verbatim (the HTTP stack removes "/../" and
/// "/./" from a URL path before it leaves, so those keys never reach a bucket through this provider).
/// </summary>
[Collection(S3EmulatorCollection.Name)]
public sealed class S3HostileKeyTests(S3EmulatorFixture emulator) : HostileKeyTests
{
    private string? _bucket;

    protected override async Task<IStorageProvider> CreateSourceAsync()
    {
        _bucket = await emulator.CreateBucketAsync("hostile");
        return new S3StorageProvider(emulator.Options(_bucket));
    }

    protected override async Task DisposeSourceAsync(IStorageProvider source)
    {
        (source as IDisposable)?.Dispose();
        if (_bucket is not null) await emulator.DeleteBucketAsync(_bucket);
    }
}
