using System.Security.Cryptography;
using CloudStorage.Core.Addressing;
using CloudStorage.Core.Errors;
using CloudStorage.Core.Model;
using CloudStorage.Core.Providers.Memory;
using CloudStorage.Providers.Resilience;
using CloudStorage.Core.Transfer;
using CloudStorage.Core.Providers;

namespace CloudStorage.Providers.Tests.Support;

/// <summary>
/// What the S3, Azure and GCS provider tests share: test content, reading an object or a listing back, measuring
/// what an upload allocates, and the checks that read the same against every cloud (parallel ranged downloads, a
/// named registration). Used with <c>using static</c>.
/// </summary>
public static class ProviderTestHelpers
{
    public const int MiB = 1024 * 1024;

    /// <summary><paramref name="size"/> pseudo-random bytes, the same for the same seed.</summary>
    public static byte[] RandomBytes(int size, int seed)
    {
        var bytes = new byte[size];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    /// <summary>The whole content of <paramref name="key"/>, read through the provider's stream.</summary>
    public static async Task<byte[]> ReadAllAsync(IStorageProvider provider, string key)
    {
        await using var stream = await provider.OpenReadAsync(key);
        var buffer = new MemoryStream();
        await stream.CopyToAsync(buffer);
        return buffer.ToArray();
    }

    /// <summary>Every item of the listing.</summary>
    public static async Task<List<StorageItem>> ListAsync(IStorageProvider provider, ListRequest request)
    {
        var items = new List<StorageItem>();
        await foreach (var item in provider.ListAsync(request)) items.Add(item);
        return items;
    }

    /// <summary>Runs <paramref name="action"/> after a full collection and returns its result with the managed bytes this thread and others allocated meanwhile.</summary>
    public static async Task<(T Result, long Allocated)> MeasureAllocationsAsync<T>(Func<Task<T>> action)
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        var before = GC.GetTotalAllocatedBytes(precise: true);
        var result = await action();
        return (result, GC.GetTotalAllocatedBytes(precise: true) - before);
    }

    /// <summary>
    /// Writes a 9 MiB object to <paramref name="provider"/> and has the engine copy it out in parallel 1 MiB ranges;
    /// the copy must be byte for byte the same.
    /// </summary>
    public static async Task AssertDownloadsInParallelRangesAsync(IStorageProvider provider)
    {
        Assert.True(provider.Capabilities.ParallelRangeReads);
        var content = new byte[9 * 1024 * 1024 + 4321];
        new Random(11).NextBytes(content);
        await provider.WriteAsync("big.bin", new MemoryStream(content), new WriteOptions { Length = content.Length });

        var target = new MemoryStorageProvider("ranges-target");
        var engine = new TransferEngine(new TransferOptions { ParallelReadThreshold = 1 << 20, ReadChunkSize = 1 << 20, ReadParallelism = 4 });
        var copied = await engine.CopyAsync(new StorageLocation(provider, "big.bin"), new StorageLocation(target, "big.bin"), new CopyRequest());

        Assert.Equal(content.Length, copied.Size);
        await using var back = await target.OpenReadAsync("big.bin");
        Assert.Equal(MD5.HashData(content), await MD5.HashDataAsync(back));
    }

    /// <summary>
    /// Uploads "named" to <paramref name="namedAddress"/> (a name:key address of <paramref name="registry"/>) and checks
    /// that it reports that address, landed at <paramref name="storedKey"/> of <paramref name="store"/> (under the
    /// registration's prefix), and that a presigned URL of the named address serves it to a plain HTTP client.
    /// </summary>
    public static async Task AssertNamedProviderWritesUnderItsPrefixAndPresignsAsync(ProviderRegistry registry, string namedAddress,
        IStorageProvider store, string storedKey)
    {
        var engine = new TransferEngine();

        var location = registry.Resolve(namedAddress);
        var written = await engine.UploadAsync(new MemoryStream("named"u8.ToArray()), 5, location, new CopyRequest());

        Assert.Equal(namedAddress, written.Uri);
        Assert.NotNull(await store.StatAsync(storedKey));
        var url = await Presigning.PresignAsync(location, new PresignRequest());
        Assert.Equal(namedAddress, url.Uri);
        using var http = new HttpClient();
        Assert.Equal("named", await http.GetStringAsync(url.Url));
    }

    /// <summary>
    /// A provider pointed at a port nobody answers on fails as Transient, and the resilience layer retries it exactly
    /// as often as it is told to (on a clock that does not wait).
    /// </summary>
    public static async Task AssertUnansweredCallsAreTransientAndRetriedBoundedlyAsync(IStorageProvider unanswered)
    {
        var clock = new InstantTimeProvider();
        var provider = new ResilientStorageProvider(unanswered, new StorageResilienceOptions { MaxRetryAttempts = 2, TimeProvider = clock });

        var e = await Assert.ThrowsAsync<StorageException>(() => provider.StatAsync("x.txt"));

        Assert.Equal(StorageErrorKind.Transient, e.Kind);
        Assert.Equal(2, clock.Delays.Count);
    }
}
