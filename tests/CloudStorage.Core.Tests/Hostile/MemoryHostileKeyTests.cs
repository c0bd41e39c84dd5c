using CloudStorage.Core.Providers;
using CloudStorage.Core.Providers.Memory;

namespace CloudStorage.Core.Tests.Hostile;

/// <summary>The hostile corpus from the memory store (which holds every key without control characters).</summary>
public sealed class MemoryHostileKeyTests : HostileKeyTests
{
    protected override Task<IStorageProvider> CreateSourceAsync() =>
        Task.FromResult<IStorageProvider>(new MemoryStorageProvider("hostile-" + Guid.NewGuid().ToString("N")));
}

/// <summary>
/// The hostile corpus from a store that lists whatever it holds, control characters and NUL included, as a real S3
/// bucket does (S3 accepts any UTF-8 key): only the destination's rules stand between such a key and the disk.
/// </summary>
public sealed class AnyKeyStoreHostileKeyTests : HostileKeyTests
{
    protected override Task<IStorageProvider> CreateSourceAsync() => Task.FromResult<IStorageProvider>(new AnyKeyStore());
}
