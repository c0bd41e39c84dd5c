using System.Security.Cryptography;
using CloudStorage.Core.Addressing;
using CloudStorage.Core.Errors;
using CloudStorage.Core.Model;
using CloudStorage.Core.Providers;
using CloudStorage.Core.Providers.Memory;
using CloudStorage.Core.Transfer;

namespace CloudStorage.Core.Tests.Operations;

public class ParallelRangeStreamTests
{
    private static byte[] Bytes(int size, int seed = 3)
    {
        var b = new byte[size];
        new Random(seed).NextBytes(b);
        return b;
    }

    private static async Task<(MemoryStorageProvider Store, byte[] Content)> StoreWith(int size)
    {
        var store = Mem.Store();
        var content = Bytes(size);
        await store.WriteAsync("big.bin", new MemoryStream(content), new WriteOptions { Length = size });
        return (store, content);
    }

    private static async Task<byte[]> ReadAll(Stream s, int readSize = 7919)
    {
        var ms = new MemoryStream();
        var buffer = new byte[readSize];
        int n;
        while ((n = await s.ReadAsync(buffer)) > 0) ms.Write(buffer, 0, n);
        return ms.ToArray();
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(1000)]          // one short range
    [InlineData(4096)]          // exactly one range
    [InlineData(4097)]          // one byte over
    [InlineData(10 * 4096 + 17)]
    public async Task The_ranges_reassemble_the_object_byte_for_byte(int size)
    {
        var (store, content) = await StoreWith(size);
        var ranged = new RangeRecorder(store);
        await using var s = new ParallelRangeStream(ranged, "big.bin", size, chunkSize: 4096, parallelism: 3);
        Assert.Equal(content, await ReadAll(s));
        Assert.Equal((size + 4095) / 4096, ranged.Ranges.Count);
        Assert.All(ranged.Ranges, r => Assert.NotNull(r));
        Assert.Equal(size, ranged.Ranges.Sum(r => r!.Value.Length ?? 0));
    }

    [Fact]
    public async Task Ranges_run_in_parallel_but_never_more_than_asked()
    {
        var (store, content) = await StoreWith(64 * 1024);
        var slow = new RangeRecorder(store, delay: TimeSpan.FromMilliseconds(30));
        await using var s = new ParallelRangeStream(slow, "big.bin", content.Length, chunkSize: 4096, parallelism: 4);
        Assert.Equal(content, await ReadAll(s, 100_000));
        Assert.Equal(4, slow.MaxConcurrent);
        Assert.Equal(4, s.MaxInFlight);
    }

    [Fact]
    public async Task The_chunk_being_consumed_counts_against_the_parallelism_so_memory_is_parallelism_chunks()
    {
        var (store, content) = await StoreWith(64 * 1024 + 5);
        var slow = new RangeRecorder(store, delay: TimeSpan.FromMilliseconds(10));
        await using var s = new ParallelRangeStream(slow, "big.bin", content.Length, chunkSize: 4096, parallelism: 4);

        Assert.Equal(content, await ReadAll(s, 1000));

        Assert.InRange(s.BuffersAllocated, 1, 4);
        Assert.InRange(slow.MaxConcurrent, 2, 4);
    }

    [Fact]
    public async Task A_transient_failure_of_one_range_is_read_again()
    {
        var (store, content) = await StoreWith(20_000);
        var flaky = new RangeRecorder(store, failOffset: 8192, failures: 2);
        await using var s = new ParallelRangeStream(flaky, "big.bin", content.Length, chunkSize: 4096, parallelism: 2);
        Assert.Equal(content, await ReadAll(s));
        Assert.Equal(3, flaky.Ranges.Count(r => r!.Value.Offset == 8192));
    }

    [Fact]
    public async Task A_permanent_failure_surfaces_to_the_reader()
    {
        var (store, content) = await StoreWith(20_000);
        var broken = new RangeRecorder(store, failOffset: 4096, failures: 1, transient: false);
        await using var s = new ParallelRangeStream(broken, "big.bin", content.Length, chunkSize: 4096, parallelism: 2);
        var ex = await Assert.ThrowsAsync<StorageException>(() => ReadAll(s));
        Assert.Equal(StorageErrorKind.PermissionDenied, ex.Kind);
    }

    [Fact]
    public async Task An_object_that_shrank_while_it_was_read_is_a_conflict_not_a_spliced_file()
    {
        var (store, content) = await StoreWith(10_000);
        await using var s = new ParallelRangeStream(store, "big.bin", 20_000, chunkSize: 4096, parallelism: 2);
        var ex = await Assert.ThrowsAsync<StorageException>(() => ReadAll(s));
        Assert.Equal(StorageErrorKind.Conflict, ex.Kind);
        Assert.Contains("big.bin", ex.Message);
    }

    [Fact]
    public async Task The_engine_reads_large_objects_of_network_stores_in_ranges_and_small_ones_in_one_read()
    {
        var (store, content) = await StoreWith(100_000);
        await store.WriteAsync("small.bin", new MemoryStream(Bytes(500)), new WriteOptions());
        var network = new RangeRecorder(store, declareParallelReads: true);
        var target = Mem.Store();
        var engine = new TransferEngine(new TransferOptions { ParallelReadThreshold = 50_000, ReadChunkSize = 16_384, ReadParallelism = 3 });

        var copied = await engine.CopyAsync(new StorageLocation(network, "big.bin"), target.At("copy.bin"), new CopyRequest { AllowServerSideCopy = false });
        Assert.Equal(100_000, copied.Size);
        Assert.Equal(7, network.Ranges.Count);
        Assert.Equal(MD5.HashData(content), MD5.HashData(await ReadBack(target, "copy.bin")));

        network.Ranges.Clear();
        await engine.CopyAsync(new StorageLocation(network, "small.bin"), target.At("small.bin"), new CopyRequest { AllowServerSideCopy = false });
        Assert.Equal([null], network.Ranges);
    }

    [Fact]
    public async Task Stores_that_do_not_declare_parallel_reads_are_read_in_one_request()
    {
        var (store, _) = await StoreWith(100_000);
        var local = new RangeRecorder(store, declareParallelReads: false);
        var engine = new TransferEngine(new TransferOptions { ParallelReadThreshold = 1, ReadChunkSize = 4096 });
        await engine.CopyAsync(new StorageLocation(local, "big.bin"), Mem.Store().At("c"), new CopyRequest { AllowServerSideCopy = false });
        Assert.Equal([null], local.Ranges);
    }

    [Fact]
    public async Task Disposing_mid_read_cancels_the_ranges_in_flight()
    {
        var (store, content) = await StoreWith(64 * 1024);
        var slow = new RangeRecorder(store, delay: TimeSpan.FromMilliseconds(200));
        var s = new ParallelRangeStream(slow, "big.bin", content.Length, chunkSize: 4096, parallelism: 4);
        var first = new byte[10];
        Assert.Equal(10, await s.ReadAsync(first));
        await s.DisposeAsync();
        Assert.True(slow.Ranges.Count <= 5 + 4, $"{slow.Ranges.Count} ranges were requested after dispose");
        Assert.Equal(content[..10], first);
    }

    private static async Task<byte[]> ReadBack(IStorageProvider p, string key)
    {
        await using var s = await p.OpenReadAsync(key);
        var ms = new MemoryStream();
        await s.CopyToAsync(ms);
        return ms.ToArray();
    }

    [Fact]
    public async Task Ranges_of_an_object_replaced_during_the_read_are_never_joined()
    {
        var (store, content) = await StoreWith(5 * 4096);
        var replacing = new RangeRecorder(store, replace: (content.Select(b => (byte)~b).ToArray(), AtRead: 3));
        await using var s = new ParallelRangeStream(replacing, "big.bin", content.Length, chunkSize: 4096, parallelism: 1);
        var handedOut = new MemoryStream();
        var e = await Assert.ThrowsAsync<StorageException>(async () =>
        {
            var buffer = new byte[4096];
            int n;
            while ((n = await s.ReadAsync(buffer)) > 0) handedOut.Write(buffer, 0, n);
        });
        Assert.Equal(StorageErrorKind.Conflict, e.Kind);
        Assert.Contains("changed while it was read", e.Message);
        Assert.Equal(content[..(int)handedOut.Length], handedOut.ToArray()); // only the first version's bytes
        Assert.True(handedOut.Length <= 2 * 4096);
    }

    /// <summary>
    /// Records every read's range, the most reads at once, and fails chosen ranges; with <c>replace</c>, replaces the
    /// object (same length, other bytes) just before its <c>AtRead</c>-th read is opened.
    /// </summary>
    private sealed class RangeRecorder(IStorageProvider inner, TimeSpan? delay = null, long failOffset = -1, int failures = 0,
        bool transient = true, bool declareParallelReads = true, (byte[] Data, int AtRead)? replace = null) : ProviderDecorator(inner)
    {
        private int _reads;
        private int _active;
        private int _failuresLeft = failures;
        public List<ByteRange?> Ranges { get; } = new();
        public int MaxConcurrent { get; private set; }
        public override string Name => "ranged";
        public override string AddressRoot => "ranged:";
        protected override ProviderCapabilities Decorate(ProviderCapabilities inner) => base.Decorate(inner) with { ParallelRangeReads = declareParallelReads, Copier = null };
        public override string ToInnerKey(string key) => key;
        public override string FromInnerKey(string innerKey) => innerKey;

        public override async Task<Stream> OpenReadAsync(string key, ByteRange? range = null, CancellationToken cancellationToken = default)
        {
            lock (Ranges) Ranges.Add(range);
            var now = Interlocked.Increment(ref _active);
            lock (Ranges) MaxConcurrent = Math.Max(MaxConcurrent, now);
            try
            {
                if (delay is { } d) await Task.Delay(d, cancellationToken);
                if (replace is { } r && Interlocked.Increment(ref _reads) == r.AtRead)
                    await Inner.WriteAsync(key, new MemoryStream(r.Data), new WriteOptions { Length = r.Data.Length }, cancellationToken);
                if (range?.Offset == failOffset && Interlocked.Decrement(ref _failuresLeft) >= 0)
                    throw transient
                        ? new StorageException(StorageErrorKind.Transient, "connection reset", key)
                        : new StorageException(StorageErrorKind.PermissionDenied, "denied", key);
                return await Inner.OpenReadAsync(key, range, cancellationToken);
            }
            finally { Interlocked.Decrement(ref _active); }
        }
    }
}
