using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using CloudStorage.Core.Addressing;
using CloudStorage.Core.Errors;
using CloudStorage.Core.Hashing;
using CloudStorage.Core.Model;
using CloudStorage.Providers.Gcs;
using CloudStorage.Providers.Resilience;
using CloudStorage.Providers.Tests.Emulator;
using CloudStorage.Providers.Tests.Support;
using CloudStorage.Core.Tests.Conformance;
using Xunit.Abstractions;
using static CloudStorage.Providers.Tests.Support.ProviderTestHelpers;

namespace CloudStorage.Providers.Tests.Gcs;

/// <summary>
/// GCS behaviour beyond the shared suite, against the emulator: the SDK's resumable uploads and their resumption by
/// our retry layer, memory, presigned URLs, copies, registry. What an upload did is read from the requests it sent
/// (the provider keeps no per-operation state).
/// </summary>
[Collection(GcsEmulatorCollection.Name)]
public sealed class GcsProviderTests(GcsEmulatorFixture emulator, ITestOutputHelper output) : IDisposable
{
    private const int Chunk = GcsProviderOptions.ChunkGranularity;
    private readonly string _bucket = emulator.NewBucket("gcstests");
    private readonly List<IDisposable> _owned = [];

    public void Dispose()
    {
        foreach (var d in _owned) d.Dispose();
    }

    private GcsStorageProvider Provider(Func<GcsProviderOptions, GcsProviderOptions>? configure = null)
    {
        var options = emulator.Options(_bucket);
        var provider = new GcsStorageProvider(configure is null ? options : configure(options));
        _owned.Add(provider);
        return provider;
    }

    [Fact]
    public async Task A_resumable_upload_cut_mid_chunk_resumes_from_the_persisted_offset_and_stores_the_right_md5Hash_and_crc32c()
    {
        var data = RandomBytes(3 * MiB + 1234, seed: 5);
        var cutter = new ConnectionCutter(cutChunkAt: 3 * Chunk, cutAfterBytes: Chunk / 2);
        var provider = Provider(o => o with { SimpleUploadThreshold = Chunk, ChunkSize = Chunk, HttpHandler = cutter });

        var written = await provider.WriteAsync("resume/big.bin", new NonSeekableStream(new MemoryStream(data), 100_000),
            new WriteOptions { Length = data.Length });

        Assert.True(cutter.Cut, "the connection was never cut");
        Assert.Contains("uploadType=resumable", cutter.Requests[0].Url);
        // After the cut the session was asked where it stands, and the upload went on from what it reported.
        var query = Assert.Single(cutter.Requests, r => r.ContentRange?.StartsWith("bytes */", StringComparison.Ordinal) == true);
        var persisted = query.PersistedAfter;
        Assert.InRange(persisted, 3 * Chunk, 4 * Chunk);
        var next = cutter.Requests[cutter.Requests.IndexOf(query) + 1];
        Assert.StartsWith($"bytes {persisted}-", next.ContentRange);
        Assert.Single(cutter.Requests, r => r.ContentRange?.StartsWith("bytes 0-", StringComparison.Ordinal) == true);
        Assert.True(cutter.BytesSent < data.Length + Chunk, $"{cutter.BytesSent} bytes sent for {data.Length}");
        // What GCS reports equals what was computed here.
        var md5 = ContentHash.Compute(HashAlgorithmKind.MD5, data);
        var crc = ContentHash.Compute(HashAlgorithmKind.CRC32C, data);
        Assert.Equal(md5, written.GetHash(HashAlgorithmKind.MD5));
        Assert.Equal(crc, written.GetHash(HashAlgorithmKind.CRC32C));
        var stat = await provider.StatAsync("resume/big.bin");
        Assert.Equal(md5, stat!.GetHash(HashAlgorithmKind.MD5));
        Assert.Equal(crc, stat.GetHash(HashAlgorithmKind.CRC32C));
        Assert.Equal(data, await ReadAllAsync(provider, "resume/big.bin"));
        output.WriteLine($"{cutter.Requests.Count} requests, resumed from {persisted}, {cutter.BytesSent} bytes sent for {data.Length}");
    }

    [Fact]
    public async Task A_stream_of_unknown_length_goes_up_in_256_KiB_multiples_and_the_last_chunk_carries_the_total()
    {
        var data = RandomBytes(5 * Chunk + 77, seed: 6);
        var recorder = new ConnectionCutter(cutChunkAt: -1, cutAfterBytes: 0);
        var provider = Provider(o => o with { SimpleUploadThreshold = Chunk, ChunkSize = 2 * Chunk, HttpHandler = recorder });

        await provider.WriteAsync("unknown.bin", new NonSeekableStream(new MemoryStream(data), 4096), new WriteOptions());

        var ranges = recorder.Requests.Where(r => r.ContentRange is not null).Select(r => r.ContentRange).ToList();
        Assert.Equal([$"bytes 0-{2 * Chunk - 1}/*", $"bytes {2 * Chunk}-{4 * Chunk - 1}/*", $"bytes {4 * Chunk}-{data.Length - 1}/{data.Length}"], ranges);
        Assert.Equal(data, await ReadAllAsync(provider, "unknown.bin"));
    }

    [Fact]
    public async Task A_64_MiB_upload_holds_one_chunk_buffer_and_managed_memory_stays_bounded()
    {
        const long length = 64L * MiB;
        var provider = Provider(o => o with { ChunkSize = 2 * MiB, SimpleUploadThreshold = MiB });
        var expectedMd5 = GeneratedStream.Md5Of(length);

        var (written, allocated) = await MeasureAllocationsAsync(() =>
            provider.WriteAsync("big/64mib.bin", new GeneratedStream(length), new WriteOptions { Length = length }));

        output.WriteLine($"allocated {allocated / (double)MiB:F1} MiB for a {length / MiB} MiB upload in chunks of 2 MiB");
        var bound = 2L * MiB + 8L * MiB;
        Assert.True(allocated < bound, $"the upload allocated {allocated / MiB} MiB; the bound is {bound / MiB} MiB for a {length / MiB} MiB object");
        Assert.Equal(length, written.Size);
        Assert.Equal(expectedMd5, written.GetHash(HashAlgorithmKind.MD5)!.GetBytes());
        await using var read = await provider.OpenReadAsync("big/64mib.bin");
        Assert.Equal(expectedMd5, await MD5.HashDataAsync(read));
    }

    [Fact]
    public async Task An_expected_hash_mismatch_on_a_resumable_upload_stores_nothing_and_keeps_the_previous_version()
    {
        var provider = Provider(o => o with { SimpleUploadThreshold = Chunk, ChunkSize = Chunk });
        await provider.WriteAsync("guarded.bin", new MemoryStream("previous"u8.ToArray()), new WriteOptions());
        var data = RandomBytes(3 * Chunk + 5, seed: 7);

        var e = await Assert.ThrowsAsync<StorageException>(() => provider.WriteAsync("guarded.bin", new MemoryStream(data),
            new WriteOptions { ExpectedHashes = [ContentHash.Compute(HashAlgorithmKind.CRC32C, "other"u8)] }));

        Assert.Equal(StorageErrorKind.IntegrityFailure, e.Kind);
        Assert.Equal("previous"u8.ToArray(), await ReadAllAsync(provider, "guarded.bin"));
    }

    [Fact]
    public async Task Native_hashes_are_md5Hash_and_crc32c_and_the_hash_source_returns_them_without_a_download()
    {
        var provider = Provider();
        var data = RandomBytes(100_000, seed: 8);
        await provider.WriteAsync("h.bin", new MemoryStream(data), new WriteOptions());

        Assert.Equal(ContentHash.Compute(HashAlgorithmKind.MD5, data), await provider.GetHashAsync("h.bin", HashAlgorithmKind.MD5));
        Assert.Equal(ContentHash.Compute(HashAlgorithmKind.CRC32C, data), await provider.GetHashAsync("h.bin", HashAlgorithmKind.CRC32C));
        Assert.Null(await provider.GetHashAsync("h.bin", HashAlgorithmKind.SHA256));
        // A CRC32C computed by the engine's own implementation compares across providers.
        Assert.Equal(Crc32C.HashToBigEndian(data), (await provider.StatAsync("h.bin"))!.GetHash(HashAlgorithmKind.CRC32C)!.GetBytes());
    }

    [Theory]
    [InlineData(1000)]
    [InlineData(600 * 1024)]
    public async Task Metadata_content_type_and_storage_class_are_stored_on_simple_and_resumable_uploads(int size)
    {
        var provider = Provider(o => o with { SimpleUploadThreshold = 512 * 1024, ChunkSize = Chunk });

        await provider.WriteAsync("props.bin", new MemoryStream(RandomBytes(size, 9)), new WriteOptions
        {
            ContentType = "application/x-props",
            Metadata = new Dictionary<string, string> { ["Owner"] = "alice" },
            StorageClass = "nearline",
        });
        var stat = await provider.StatAsync("props.bin");

        Assert.Equal("application/x-props", stat!.ContentType);
        Assert.Equal("alice", stat.Metadata["owner"]);
        Assert.Equal("NEARLINE", stat.StorageClass);
    }

    [Fact]
    public async Task Server_side_copy_uses_rewrite_across_buckets_and_replaces_only_what_the_caller_gives()
    {
        var source = Provider();
        var otherBucket = emulator.NewBucket("gcsdest");
        var destination = new GcsStorageProvider(emulator.Options(otherBucket));
        _owned.Add(destination);
        await source.WriteAsync("src.txt", new MemoryStream("copied"u8.ToArray()), new WriteOptions
        {
            ContentType = "text/plain",
            Metadata = new Dictionary<string, string> { ["origin"] = "source", ["keep"] = "yes" },
            ModifiedTime = new DateTimeOffset(2020, 5, 6, 7, 8, 9, TimeSpan.Zero),
        });

        Assert.True(destination.CanCopyFrom(source));
        var copied = await destination.CopyFromAsync(source, "src.txt", "dst.txt", new WriteOptions
        {
            Metadata = new Dictionary<string, string> { ["origin"] = "copy" },
        });

        Assert.Equal($"gs://{otherBucket}/dst.txt", copied.Uri);
        Assert.Equal("copied"u8.ToArray(), await ReadAllAsync(destination, "dst.txt"));
        var stat = await destination.StatAsync("dst.txt");
        Assert.Equal("text/plain", stat!.ContentType);
        Assert.Equal("copy", stat.Metadata["origin"]);
        Assert.Equal("yes", stat.Metadata["keep"]);
        // The modification time travels with the copy, kept where gsutil keeps it and not shown as user metadata.
        Assert.Equal(new DateTimeOffset(2020, 5, 6, 7, 8, 9, TimeSpan.Zero), stat.LastModified);
        Assert.False(stat.Metadata.ContainsKey("goog-reserved-file-mtime"));
        Assert.False(destination.CanCopyFrom(new GcsStorageProvider(emulator.Options(_bucket) with { EmulatorHost = "http://127.0.0.2:1" })));
    }

    [Fact]
    public async Task Presigned_GET_PUT_and_DELETE_work_from_a_plain_HttpClient()
    {
        var provider = Provider();
        using var http = new HttpClient();

        var put = await provider.PresignAsync("signed/x.txt", new PresignRequest { Method = PresignMethod.Put, ContentType = "text/plain", ExpiresIn = TimeSpan.FromMinutes(5) });
        using (var request = new HttpRequestMessage(HttpMethod.Put, put.Url) { Content = new StringContent("via url") })
        {
            request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("text/plain");
            using var response = await http.SendAsync(request);
            Assert.True(response.IsSuccessStatusCode, $"PUT answered {response.StatusCode}");
        }
        var get = await provider.PresignAsync("signed/x.txt", new PresignRequest { ExpiresIn = TimeSpan.FromMinutes(5) });
        Assert.Equal("via url", await http.GetStringAsync(get.Url));
        var delete = await provider.PresignAsync("signed/x.txt", new PresignRequest { Method = PresignMethod.Delete });
        using (var response = await http.DeleteAsync(delete.Url)) Assert.True(response.IsSuccessStatusCode, $"DELETE answered {response.StatusCode}");

        Assert.Null(await provider.StatAsync("signed/x.txt"));
        Assert.Equal("text/plain", put.RequiredHeaders["Content-Type"]);
        Assert.Contains("X-Goog-SignedHeaders=content-type%3Bhost", new Uri(put.Url).Query);
        Assert.StartsWith(emulator.Host.TrimEnd('/') + $"/{_bucket}/signed/x.txt?X-Goog-Algorithm=GOOG4-RSA-SHA256", get.Url);
        Assert.DoesNotContain("X-Goog-Signature", get.ToString());
        Assert.InRange(get.ExpiresOn, DateTimeOffset.UtcNow.AddMinutes(4), DateTimeOffset.UtcNow.AddMinutes(5).AddSeconds(1));
    }

    [Fact]
    public async Task Presigning_for_more_than_seven_days_is_InvalidArgument_and_without_a_signing_key_is_Configuration()
    {
        var e = await Assert.ThrowsAsync<StorageException>(() => Provider().PresignAsync("k", new PresignRequest { ExpiresIn = TimeSpan.FromDays(7.5) }));
        Assert.Equal(StorageErrorKind.InvalidArgument, e.Kind);

        var unsigned = Provider(o => o with { Credential = null, HmacKey = null, Signing = GcsSigningMode.ServiceAccount });
        var noKey = await Assert.ThrowsAsync<StorageException>(() => unsigned.PresignAsync("k", new PresignRequest()));
        Assert.Equal(StorageErrorKind.Configuration, noKey.Kind);
        Assert.Contains("service-account key", noKey.Message);
    }

    [Fact]
    public async Task Presigned_URLs_can_be_signed_with_an_HMAC_key()
    {
        var provider = Provider(o => o with { Signing = GcsSigningMode.Hmac, HmacKey = new GcsHmacKey("GOOG1TESTACCESSID", "not-a-real-secret") });
        await provider.WriteAsync("hmac.txt", new MemoryStream("hmac"u8.ToArray()), new WriteOptions());

        var url = await provider.PresignAsync("hmac.txt", new PresignRequest());

        Assert.Contains("X-Goog-Algorithm=GOOG4-HMAC-SHA256", new Uri(url.Url).Query);
        Assert.Contains("X-Goog-Credential=GOOG1TESTACCESSID%2F", new Uri(url.Url).Query);
        using var http = new HttpClient();
        Assert.Equal("hmac", await http.GetStringAsync(url.Url));
    }

    [Fact]
    public async Task Requests_to_the_emulator_carry_no_authorization_even_with_a_credential()
    {
        var recorder = new ConnectionCutter(cutChunkAt: -1, cutAfterBytes: 0);
        var provider = Provider(o => o with { HttpHandler = recorder });

        await provider.WriteAsync("a.txt", new MemoryStream("x"u8.ToArray()), new WriteOptions());
        await provider.StatAsync("a.txt");

        Assert.NotEmpty(recorder.Requests);
        Assert.All(recorder.Requests, r => Assert.False(r.HadAuthorization));
    }

    [Fact]
    public async Task Gs_addresses_and_named_providers_resolve_through_the_registry()
    {
        var registry = new ProviderRegistry();
        ProviderPack.RegisterAll(registry);
        registry.Register("media", $"gs://{_bucket}/media/", new Dictionary<string, string>
        {
            ["emulator-host"] = emulator.Host,
            ["credentials-file"] = TestData.Path("gcs-v4-signing", "test_service_account.json"),
        });
        await AssertNamedProviderWritesUnderItsPrefixAndPresignsAsync(registry, "media:clips/a.txt", Provider(), "media/clips/a.txt");
        var gs = registry.Resolve($"gs://{_bucket}/x.txt");
        Assert.IsType<GcsStorageProvider>(Assert.IsType<ResilientStorageProvider>(gs.Provider).Inner);
    }

    /// <summary>
    /// Records each request (Content-Range, authorization, the persisted range of 308 answers) and, once, cuts the
    /// connection part-way through the body of the chunk that starts at <c>cutChunkAt</c>.
    /// </summary>
    private sealed class ConnectionCutter(long cutChunkAt, int cutAfterBytes) : DelegatingHandler(new SocketsHttpHandler())
    {
        public sealed class Seen
        {
            public string? ContentRange { get; init; }
            public string Url { get; init; } = "";
            public bool HadAuthorization { get; init; }
            public long PersistedAfter { get; set; }
        }

        private long _bytesSent;
        public List<Seen> Requests { get; } = [];
        public bool Cut { get; private set; }
        public long BytesSent => Interlocked.Read(ref _bytesSent);

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var range = request.Content?.Headers.TryGetValues("Content-Range", out var values) == true ? values.First() : null;
            var seen = new Seen { ContentRange = range, HadAuthorization = request.Headers.Authorization is not null, Url = request.RequestUri!.ToString() };
            lock (Requests) Requests.Add(seen);
            if (request.Content is not null && range is not null && !range.StartsWith("bytes */", StringComparison.Ordinal))
            {
                var body = await request.Content.ReadAsByteArrayAsync(cancellationToken);
                var cut = !Cut && range.StartsWith($"bytes {cutChunkAt}-", StringComparison.Ordinal);
                var content = new StreamContent(new CuttingStream(body, cut ? cutAfterBytes : int.MaxValue, n => Interlocked.Add(ref _bytesSent, n)));
                content.Headers.ContentLength = body.Length;
                foreach (var h in request.Content.Headers) if (h.Key != "Content-Length") content.Headers.TryAddWithoutValidation(h.Key, h.Value);
                request.Content = content;
                if (cut) Cut = true;
            }
            var response = await base.SendAsync(request, cancellationToken);
            if ((int)response.StatusCode == 308 && response.Headers.TryGetValues("Range", out var persisted))
                seen.PersistedAfter = long.Parse(persisted.First().Split('-')[1]) + 1;
            return response;
        }
    }

    private sealed class CuttingStream(byte[] data, int failAfter, Action<int> sent) : Stream
    {
        private int _position;
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => data.Length;
        public override long Position { get => _position; set => throw new NotSupportedException(); }
        public override int Read(byte[] buffer, int offset, int count)
        {
            if (_position >= failAfter) throw new IOException("simulated dropped connection");
            var n = Math.Min(Math.Min(count, data.Length - _position), Math.Max(0, failAfter - _position));
            Array.Copy(data, _position, buffer, offset, n);
            _position += n;
            sent(n);
            return n;
        }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
