using System.Collections.Concurrent;
using CloudStorage.Core.Tests.Conformance;
using System.Security.Cryptography;
using CloudStorage.Core.Errors;
using CloudStorage.Core.Model;
using CloudStorage.Providers.Common;
using CloudStorage.Providers.Resilience;
using CloudStorage.Providers.Tests.Support;
using static CloudStorage.Providers.Tests.Support.ProviderTestHelpers;

namespace CloudStorage.Providers.Tests.Common;

// The one part-upload pipeline (S3 multipart, Azure blocks, GCS chunks) against a recording sink, no network: parts in
// parallel within the buffer bound, a failing part retried alone, abort on failure and on cancellation, flat memory.
public sealed class PartUploadPipelineTests
{
    private const int PartSize = 64 * 1024;

    /// <summary>A sink that keeps what it is sent and can be told to fail or to hold parts.</summary>
    private sealed class RecordingSink : IPartUploadSink<int, byte[]>
    {
        public readonly ConcurrentDictionary<int, byte[]> Parts = new();
        public readonly ConcurrentDictionary<int, int> Attempts = new();
        public int Begun, Aborted, Completed, Singles, InFlight, PeakInFlight;
        public Func<UploadPart, int, Exception?> Fail = (_, _) => null;
        public TimeSpan PartDelay = TimeSpan.FromMilliseconds(20);
        public TaskCompletionSource? Gate;
        public bool KeepBytes = true;

        public string SingleOperation => "PutSingle";
        public string PartOperation => "PutPart";

        public Task<byte[]> PutSingleAsync(ReadOnlyMemory<byte> data, UploadHasher hasher, CancellationToken ct)
        {
            Interlocked.Increment(ref Singles);
            return Task.FromResult(data.ToArray());
        }

        public Task BeginAsync(UploadHasher hasher, CancellationToken ct)
        {
            Interlocked.Increment(ref Begun);
            return Task.CompletedTask;
        }

        public async Task<int> UploadPartAsync(UploadPart part, CancellationToken ct)
        {
            var attempt = Attempts.AddOrUpdate(part.Number, 1, (_, n) => n + 1);
            var now = Interlocked.Increment(ref InFlight);
            int seen;
            while (now > (seen = Volatile.Read(ref PeakInFlight)) && Interlocked.CompareExchange(ref PeakInFlight, now, seen) != seen) { }
            try
            {
                if (Gate is { } gate) await gate.Task.WaitAsync(ct);
                await Task.Delay(PartDelay, ct);
                if (Fail(part, attempt) is { } error) throw error;
                Parts[part.Number] = KeepBytes ? part.Data.ToArray() : [];
                return part.Number;
            }
            finally
            {
                Interlocked.Decrement(ref InFlight);
            }
        }

        public Task<byte[]> CompleteAsync(IReadOnlyList<int> parts, UploadHasher hasher, CancellationToken ct)
        {
            Interlocked.Increment(ref Completed);
            Assert.Equal(Enumerable.Range(1, parts.Count), parts);
            return Task.FromResult(KeepBytes ? parts.SelectMany(n => Parts[n]).ToArray() : []);
        }

        public Task AbortAsync()
        {
            Interlocked.Increment(ref Aborted);
            return Task.CompletedTask;
        }
    }

    private static PartUploadOptions Options(int concurrency = 3, ResiliencePipelineOrNull retry = default) => new()
    {
        PartSize = PartSize,
        Concurrency = concurrency,
        MaxParts = 10_000,
        SingleUploadThreshold = PartSize,
        Retry = retry.Pipeline ?? Polly.ResiliencePipeline.Empty,
        Target = "test://box/key",
        Provider = "test",
    };

    private readonly record struct ResiliencePipelineOrNull(Polly.ResiliencePipeline? Pipeline);

    private static Task<(byte[] Result, PartUploadStatistics Stats)> UploadAsync(RecordingSink sink, Stream content, long? length, PartUploadOptions options,
        IReadOnlyList<ContentHash>? expected = null, CancellationToken ct = default)
    {
        var hasher = new UploadHasher(expected);
        return PartUploadPipeline.UploadAsync(content, length, hasher, sink, options, ct);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Parts_go_up_in_parallel_and_the_concurrency_bounds_the_part_buffers_too(bool lengthKnown)
    {
        var data = RandomBytes(20 * PartSize + 123, seed: 1);
        var sink = new RecordingSink();

        var (result, stats) = await UploadAsync(sink, new NonSeekableStream(new MemoryStream(data), maxChunk: 10_000), lengthKnown ? data.Length : null, Options(concurrency: 3));

        Assert.Equal(data, result);
        Assert.True(stats.Multipart);
        Assert.Equal(21, stats.Parts);
        Assert.Equal(data.Length, stats.Length);
        Assert.InRange(sink.PeakInFlight, 2, 3);
        Assert.InRange(stats.PeakPartsInFlight, 2, 3);
        // A part is filled only when a request slot is free: no buffer beyond the parts that may be sending.
        Assert.InRange(stats.BuffersAllocated, 2, 3);
        Assert.InRange(stats.PeakBuffersInUse, 2, 3);
        Assert.Equal((1, 1, 0, 0), (sink.Begun, sink.Completed, sink.Aborted, sink.Singles));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public async Task A_stream_of_unknown_length_that_ends_at_a_part_boundary_or_one_byte_past_it_goes_up_whole(int parts)
    {
        foreach (var extra in new[] { 0, 1 })
        {
            var data = RandomBytes(parts * PartSize + extra, seed: parts * 10 + extra);
            var seen = new ConcurrentBag<UploadPart>();
            var sink = new RecordingSink { Fail = (p, _) => { seen.Add(p with { Data = default }); return null; } };
            var hasher = new UploadHasher(null);

            var (result, stats) = await PartUploadPipeline.UploadAsync(new NonSeekableStream(new MemoryStream(data), maxChunk: 7_000), null, hasher, sink,
                Options(concurrency: 1) with { SingleUploadThreshold = 0 }, CancellationToken.None);

            Assert.Equal(data, result);
            Assert.Equal(data.Length, stats.Length);
            Assert.Equal(MD5.HashData(data), hasher.Md5.GetBytes());
            var expectedParts = parts + extra;
            if (expectedParts == 1)
                Assert.False(stats.Multipart);
            else
            {
                var sent = seen.OrderBy(p => p.Number).ToList();
                Assert.Equal(Enumerable.Range(0, expectedParts).Select(i => (long)i * PartSize), sent.Select(p => p.Offset));
                Assert.Equal(Enumerable.Range(1, expectedParts).Select(i => i == expectedParts), sent.Select(p => p.IsLast));
                Assert.Equal(1, stats.BuffersAllocated);
            }
        }
    }

    [Fact]
    public async Task Each_part_knows_its_offset_and_only_the_last_is_marked_last()
    {
        var data = RandomBytes(3 * PartSize + 5, seed: 2);
        var seen = new ConcurrentBag<UploadPart>();
        var sink = new RecordingSink { Fail = (p, _) => { seen.Add(p with { Data = default }); return null; } };

        await UploadAsync(sink, new MemoryStream(data), null, Options());

        var parts = seen.OrderBy(p => p.Number).ToList();
        Assert.Equal([0L, PartSize, 2L * PartSize, 3L * PartSize], parts.Select(p => p.Offset));
        Assert.Equal([false, false, false, true], parts.Select(p => p.IsLast));
    }

    [Fact]
    public async Task A_part_that_fails_transiently_is_retried_alone_and_the_upload_completes()
    {
        var data = RandomBytes(6 * PartSize, seed: 3);
        var retries = new List<StorageRetryEvent>();
        var retry = StorageResilience.CreatePipeline(new StorageResilienceOptions { TimeProvider = new InstantTimeProvider(), OnRetry = retries.Add });
        var sink = new RecordingSink
        {
            Fail = (p, attempt) => p.Number == 4 && attempt == 1 ? new StorageException(StorageErrorKind.Transient, "flaky part", "test://box/key", "test") : null,
        };

        var (result, _) = await UploadAsync(sink, new MemoryStream(data), data.Length, Options(retry: new(retry)));

        Assert.Equal(data, result);
        Assert.Equal(2, sink.Attempts[4]);
        Assert.All(sink.Attempts.Where(a => a.Key != 4), a => Assert.Equal(1, a.Value));
        var line = Assert.Single(retries);
        Assert.Equal("PutPart", line.Operation);
        Assert.Equal(0, sink.Aborted);
    }

    [Fact]
    public async Task A_part_that_fails_for_good_stops_the_others_aborts_and_reports_its_own_error()
    {
        var sink = new RecordingSink
        {
            PartDelay = TimeSpan.FromMilliseconds(50),
            Fail = (p, _) => p.Number == 2 ? new StorageException(StorageErrorKind.PermissionDenied, "denied", "test://box/key", "test", isTransient: false) : null,
        };

        var e = await Assert.ThrowsAsync<StorageException>(() => UploadAsync(sink, new GeneratedStream(200L * PartSize), null, Options()));

        Assert.Equal(StorageErrorKind.PermissionDenied, e.Kind);
        Assert.Equal(1, sink.Aborted);
        Assert.Equal(0, sink.Completed);
        Assert.True(sink.Attempts.Count < 20, $"reading should stop at the failure; {sink.Attempts.Count} parts were started");
    }

    [Fact]
    public async Task Cancelling_mid_upload_aborts_and_throws_OperationCanceled()
    {
        using var cts = new CancellationTokenSource();
        var sink = new RecordingSink { Gate = new TaskCompletionSource() };
        var upload = UploadAsync(sink, new GeneratedStream(50L * PartSize), null, Options(), ct: cts.Token);
        while (Volatile.Read(ref sink.InFlight) < 3) await Task.Delay(5);

        cts.Cancel();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => upload);
        Assert.Equal(1, sink.Aborted);
        Assert.Equal(0, sink.Completed);
    }

    [Fact]
    public async Task A_stream_shorter_or_longer_than_declared_or_with_another_hash_is_refused_before_the_commit_and_aborted()
    {
        var data = RandomBytes(3 * PartSize, seed: 4);
        var shortSink = new RecordingSink();
        var longSink = new RecordingSink();
        var hashSink = new RecordingSink();
        var wrongMd5 = new[] { new ContentHash(HashAlgorithmKind.MD5, new byte[16]) };

        var tooShort = await Assert.ThrowsAsync<StorageException>(() => UploadAsync(shortSink, new MemoryStream(data), data.Length + 1, Options()));
        var tooLong = await Assert.ThrowsAsync<StorageException>(() => UploadAsync(longSink, new MemoryStream(data), data.Length - 1, Options()));
        var badHash = await Assert.ThrowsAsync<StorageException>(() => UploadAsync(hashSink, new MemoryStream(data), data.Length, Options(), wrongMd5));

        Assert.All(new[] { tooShort, tooLong, badHash }, e => Assert.Equal(StorageErrorKind.IntegrityFailure, e.Kind));
        Assert.All(new[] { shortSink, longSink, hashSink }, s => Assert.Equal((0, 1), (s.Completed, s.Aborted)));
    }

    [Fact]
    public async Task Small_objects_of_known_length_and_short_streams_of_unknown_length_go_up_in_one_request()
    {
        var small = RandomBytes(1000, seed: 5);
        var known = new RecordingSink();
        var unknown = new RecordingSink();

        var (k, kStats) = await UploadAsync(known, new MemoryStream(small), small.Length, Options());
        var (u, uStats) = await UploadAsync(unknown, new NonSeekableStream(new MemoryStream(small), maxChunk: 100), null, Options() with { SingleUploadThreshold = 0 });

        Assert.Equal(small, k);
        Assert.Equal(small, u);
        Assert.False(kStats.Multipart);
        Assert.False(uStats.Multipart);
        Assert.Equal((1, 0), (known.Singles, known.Begun));
        Assert.Equal((1, 0), (unknown.Singles, unknown.Begun));
    }

    [Fact]
    public async Task More_parts_than_the_service_takes_are_refused_and_aborted()
    {
        var sink = new RecordingSink { PartDelay = TimeSpan.Zero };

        var e = await Assert.ThrowsAsync<StorageException>(() => UploadAsync(sink, new GeneratedStream(6L * PartSize), null, Options() with { MaxParts = 5, PartNoun = "blocks", PartSizeOption = "block-size" }));

        Assert.Equal(StorageErrorKind.InvalidArgument, e.Kind);
        Assert.Contains("more than 5 blocks", e.Message);
        Assert.Contains("block-size", e.Message);
        Assert.Equal(1, sink.Aborted);
    }

    [Fact]
    public async Task Memory_stays_flat_a_256_part_upload_allocates_about_the_buffers_not_the_object()
    {
        const long length = 256L * PartSize * 4; // 64 MiB in 256 KiB parts
        var sink = new RecordingSink { PartDelay = TimeSpan.Zero, KeepBytes = false };
        var options = Options(concurrency: 4) with { PartSize = 4 * PartSize };

        var ((_, stats), allocated) = await MeasureAllocationsAsync(() => UploadAsync(sink, new GeneratedStream(length), null, options));

        Assert.Equal(256, stats.Parts);
        Assert.InRange(stats.BuffersAllocated, 2, 4);
        var bound = 4L * 4 * PartSize + 4L * MiB; // the buffers, plus the tasks and hashing of 256 parts
        Assert.True(allocated < bound, $"the upload allocated {allocated / 1024} KiB for {length / MiB} MiB; the bound is {bound / 1024} KiB");
    }

    [Fact]
    public async Task The_whole_object_MD5_is_computed_across_parts_in_order()
    {
        var data = RandomBytes(5 * PartSize + 77, seed: 6);
        ContentHash? md5 = null;
        var sink = new RecordingSink();
        var hasher = new UploadHasher(null);

        await PartUploadPipeline.UploadAsync(new MemoryStream(data), data.Length, hasher, sink, Options(), CancellationToken.None);
        md5 = hasher.Md5;

        Assert.Equal(MD5.HashData(data), md5.GetBytes());
    }
    [Fact]
    public async Task Over_a_source_that_hashes_what_it_delivers_the_upload_takes_its_hashes_instead_of_hashing_again()
    {
        var data = RandomBytes(7 * PartSize + 11, seed: 7);
        var sink = new RecordingSink();
        await using var source = new CloudStorage.Core.Hashing.HashingStream(new NonSeekableStream(new MemoryStream(data), maxChunk: 9_000));
        using var hasher = UploadHasher.For(source, [new ContentHash(HashAlgorithmKind.MD5, MD5.HashData(data))]);

        var (result, stats) = await PartUploadPipeline.UploadAsync(source, data.Length, hasher, sink, Options(), CancellationToken.None);

        Assert.True(hasher.ReusesSourceHashes);
        Assert.Equal(data, result);
        Assert.Equal(MD5.HashData(data), hasher.Md5.GetBytes());
        Assert.Equal(data.Length, stats.Length);
        // A source that has delivered bytes already cannot vouch for the upload's: those are hashed here.
        await using var used = new CloudStorage.Core.Hashing.HashingStream(new MemoryStream(data));
        used.ReadByte();
        using var own = UploadHasher.For(used, null);
        Assert.False(own.ReusesSourceHashes);
    }

    [Fact]
    public async Task A_reused_source_hash_that_disagrees_with_the_expected_one_refuses_the_upload_before_the_commit()
    {
        var data = RandomBytes(3 * PartSize + 1, seed: 8);
        var sink = new RecordingSink();
        await using var source = new CloudStorage.Core.Hashing.HashingStream(new MemoryStream(data));
        using var hasher = UploadHasher.For(source, [new ContentHash(HashAlgorithmKind.MD5, new byte[16])]);

        var e = await Assert.ThrowsAsync<StorageException>(() => PartUploadPipeline.UploadAsync(source, data.Length, hasher, sink, Options(), CancellationToken.None));

        Assert.True(hasher.ReusesSourceHashes);
        Assert.Equal(StorageErrorKind.IntegrityFailure, e.Kind);
        Assert.Equal((0, 1), (sink.Completed, sink.Aborted));
    }
}
