using System.Net;
using System.Security.Cryptography;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using CloudStorage.Core.Addressing;
using CloudStorage.Core.Errors;
using CloudStorage.Core.Integrity;
using CloudStorage.Core.Model;
using CloudStorage.Core.Providers.Memory;
using CloudStorage.Providers.Resilience;
using CloudStorage.Providers.S3;
using CloudStorage.Providers.Tests.Emulator;
using CloudStorage.Providers.Tests.Support;
using CloudStorage.Core.Tests.Conformance;
using CloudStorage.Core.Transfer;
using Xunit.Abstractions;
using static CloudStorage.Providers.Tests.Support.ProviderTestHelpers;
using CloudStorage.Core.Providers;

namespace CloudStorage.Providers.Tests.S3;

// What the shared suite does not cover: multipart uploads and copies, aborts, stored MD5s, presigned URLs used by a
// plain HTTP client, S3 properties, bulk delete, error mapping and the address forms, all against the emulator.
[Collection(S3EmulatorCollection.Name)]
public sealed class S3ProviderTests(S3EmulatorFixture emulator, ITestOutputHelper output) : IAsyncLifetime
{
    private string _bucket = "";
    private readonly List<IDisposable> _disposables = [];

    public async Task InitializeAsync() => _bucket = await emulator.CreateBucketAsync("s3tests");

    public async Task DisposeAsync()
    {
        foreach (var d in _disposables) d.Dispose();
        await emulator.DeleteBucketAsync(_bucket);
    }

    private S3StorageProvider Provider(Func<S3ProviderOptions, S3ProviderOptions>? configure = null)
    {
        var options = emulator.Options(_bucket);
        var provider = new S3StorageProvider(configure is null ? options : configure(options));
        _disposables.Add(provider);
        return provider;
    }

    // Parts of 5 MiB (the smallest S3 takes) from 5 MiB on: multipart paths with small test objects.
    private S3StorageProvider SmallPartsProvider(int concurrency = 4) =>
        Provider(o => o with { PartSize = 5 * MiB, MultipartThreshold = 5 * MiB, Concurrency = concurrency });

    // A provider whose HTTP requests are recorded: what an upload did is read from the requests it sent.
    private (S3StorageProvider Provider, RecordingHttpClientFactory Requests) Recorded(Func<S3ProviderOptions, S3ProviderOptions>? configure = null)
    {
        var recorder = new RecordingHttpClientFactory();
        var options = emulator.Options(_bucket);
        if (configure is not null) options = configure(options);
        var config = S3StorageProvider.CreateConfig(options);
        config.HttpClientFactory = recorder;
        var client = new AmazonS3Client(options.Credentials, config);
        _disposables.Add(client);
        var provider = new S3StorageProvider(options, client);
        _disposables.Add(provider);
        return (provider, recorder);
    }

    private static readonly Func<S3ProviderOptions, S3ProviderOptions> SmallParts =
        o => o with { PartSize = 5 * MiB, MultipartThreshold = 5 * MiB };

    private static List<RecordedRequest> PartUploads(RecordingHttpClientFactory r) =>
        r.Requests.Where(q => q.Method == "PUT" && q.PathAndQuery.Contains("partNumber=", StringComparison.Ordinal)).ToList();

    private static int PartNumber(RecordedRequest part) =>
        int.Parse(System.Text.RegularExpressions.Regex.Match(part.PathAndQuery, "[?&]partNumber=([0-9]+)").Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);

    private static bool SelfCopied(RecordingHttpClientFactory r) =>
        r.Requests.Any(q => q.Method == "PUT" && q.Headers.ContainsKey("x-amz-copy-source"));

    private IAmazonS3 Client()
    {
        var client = emulator.CreateClient();
        _disposables.Add(client);
        return client;
    }

    private async Task<List<MultipartUpload>> UploadsInProgressAsync() =>
        (await Client().ListMultipartUploadsAsync(new ListMultipartUploadsRequest { BucketName = _bucket })).MultipartUploads ?? [];

    // ---------------------------------------------------------------- multipart uploads

    [Fact]
    public async Task A_64_MiB_upload_goes_up_in_parallel_parts_within_the_part_buffer_memory_bound()
    {
        const long length = 64L * MiB;
        const int concurrency = 4;
        var (provider, requests) = Recorded(o => SmallParts(o) with { Concurrency = concurrency });
        var expectedMd5 = GeneratedStream.Md5Of(length);

        var (written, allocated) = await MeasureAllocationsAsync(() =>
            provider.WriteAsync("big/64mib.bin", new GeneratedStream(length), new WriteOptions { Length = length }));

        // In part-number order: parts go up in parallel, so the last one may be sent before the one before it.
        var parts = PartUploads(requests).OrderBy(PartNumber).ToList();
        Assert.Equal(13, parts.Count);
        Assert.Equal(Enumerable.Range(1, 13), parts.Select(PartNumber));
        // The body's own length (a streamed, signed body is longer on the wire by its chunk signatures).
        Assert.All(parts.SkipLast(1), p => Assert.Equal((5 * MiB).ToString(),
            p.Headers.TryGetValue("x-amz-decoded-content-length", out var decoded) ? decoded : p.Headers["content-length"]));
        // At most `concurrency` parts uploading or being filled at once (the allocation bound below).
        Assert.InRange(requests.PeakInFlight, 2, concurrency);
        // Part buffers, plus the SDK's own working memory: far less than the object.
        var bound = concurrency * 5L * MiB + 16L * MiB;
        output.WriteLine($"allocated {allocated / (double)MiB:F1} MiB, peak {requests.PeakInFlight} requests in flight");
        Assert.True(allocated < bound, $"the upload allocated {allocated / MiB} MiB; the bound is {bound / MiB} MiB for a {length / MiB} MiB object");
        Assert.Equal(length, written.Size);
        Assert.EndsWith("-13\"", written.ETag);
        Assert.Empty(written.Hashes); // a multipart ETag is not an MD5
        Assert.Equal(Convert.ToHexString(expectedMd5).ToLowerInvariant(), written.Metadata["cloudstorage-md5"]);
        await using var read = await provider.OpenReadAsync("big/64mib.bin");
        Assert.Equal(expectedMd5, await MD5.HashDataAsync(read));
    }

    [Fact]
    public async Task With_the_default_options_a_large_upload_goes_up_in_parts_of_5_MiB_so_its_part_buffers_stay_small()
    {
        const long length = 24L * MiB + 7; // above the 16 MiB multipart threshold
        var (provider, requests) = Recorded();

        var written = await provider.WriteAsync("big/default-parts.bin", new GeneratedStream(length), new WriteOptions { Length = length });

        var parts = PartUploads(requests).OrderBy(PartNumber).ToList();
        Assert.Equal(5, parts.Count);
        Assert.All(parts.SkipLast(1), p => Assert.Equal((5 * MiB).ToString(),
            p.Headers.TryGetValue("x-amz-decoded-content-length", out var decoded) ? decoded : p.Headers["content-length"]));
        Assert.InRange(requests.PeakInFlight, 1, new S3ProviderOptions { Bucket = "b" }.Concurrency);
        Assert.Equal(length, written.Size);
        Assert.Equal(Convert.ToHexString(GeneratedStream.Md5Of(length)).ToLowerInvariant(), written.Metadata["cloudstorage-md5"]);
    }

    [Fact]
    public async Task A_stream_of_unknown_length_goes_up_in_parts_and_gets_its_MD5_stored_after_completion()
    {
        var data = RandomBytes(12 * MiB + 3, seed: 1);
        var (provider, requests) = Recorded(SmallParts);

        var written = await provider.WriteAsync("unknown.bin", new NonSeekableStream(new MemoryStream(data), maxChunk: 70_000),
            new WriteOptions { ContentType = "application/x-test", Metadata = new Dictionary<string, string> { ["origin"] = "test" } });

        Assert.Equal(3, PartUploads(requests).Count);
        Assert.True(SelfCopied(requests)); // the MD5, known only at the end, was stored by a copy onto itself
        Assert.Equal(data.Length, written.Size);
        Assert.Equal("application/x-test", written.ContentType);
        Assert.Equal("test", written.Metadata["origin"]);
        Assert.Equal(ContentHash.Compute(HashAlgorithmKind.MD5, data).Hex, written.Metadata["cloudstorage-md5"]);
        Assert.Equal(data, await ReadAllAsync(provider, "unknown.bin"));
    }

    [Fact]
    public async Task A_stream_of_unknown_length_that_fits_one_part_goes_up_in_one_request()
    {
        var data = RandomBytes(3 * MiB, seed: 2);
        var (provider, requests) = Recorded(SmallParts);

        var written = await provider.WriteAsync("one.bin", new NonSeekableStream(new MemoryStream(data)), new WriteOptions());

        Assert.Equal(["PUT"], requests.Requests.Select(r => r.Method));
        Assert.Empty(PartUploads(requests));
        Assert.Equal(ContentHash.Compute(HashAlgorithmKind.MD5, data), written.GetHash(HashAlgorithmKind.MD5));
    }

    [Fact]
    public async Task Cancelling_a_multipart_upload_aborts_it_leaving_no_parts_and_the_previous_object()
    {
        var provider = SmallPartsProvider();
        await provider.WriteAsync("cancelled.bin", new MemoryStream("previous"u8.ToArray()), new WriteOptions());
        using var cts = new CancellationTokenSource();
        var data = RandomBytes(20 * MiB, seed: 3);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            provider.WriteAsync("cancelled.bin", InterruptingStream.Cancelling(data, 12 * MiB, cts), new WriteOptions(), cts.Token));

        Assert.Empty(await UploadsInProgressAsync());
        Assert.Equal("previous"u8.ToArray(), await ReadAllAsync(provider, "cancelled.bin"));
    }

    [Fact]
    public async Task A_source_that_fails_mid_upload_aborts_the_multipart_upload()
    {
        var provider = SmallPartsProvider();
        var data = RandomBytes(20 * MiB, seed: 4);

        await Assert.ThrowsAsync<IOException>(() => provider.WriteAsync("failed.bin", InterruptingStream.Failing(data, 11 * MiB), new WriteOptions()));

        Assert.Empty(await UploadsInProgressAsync());
        Assert.Null(await provider.StatAsync("failed.bin"));
    }

    [Fact]
    public async Task An_expected_hash_mismatch_in_a_multipart_upload_aborts_it_and_stores_nothing()
    {
        var provider = SmallPartsProvider();
        var data = RandomBytes(11 * MiB, seed: 5);

        var e = await Assert.ThrowsAsync<StorageException>(() => provider.WriteAsync("mismatch.bin", new MemoryStream(data),
            new WriteOptions { Length = data.Length, ExpectedHashes = [ContentHash.Compute(HashAlgorithmKind.SHA256, "other"u8)] }));

        Assert.Equal(StorageErrorKind.IntegrityFailure, e.Kind);
        Assert.Empty(await UploadsInProgressAsync());
        Assert.Null(await provider.StatAsync("mismatch.bin"));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(-1)]
    [InlineData(-MiB)]
    public async Task A_declared_length_that_differs_from_a_multipart_stream_aborts_and_stores_nothing(int difference)
    {
        var provider = SmallPartsProvider();
        var data = RandomBytes(11 * MiB, seed: 6);

        var e = await Assert.ThrowsAsync<StorageException>(() =>
            provider.WriteAsync("short.bin", new NonSeekableStream(new MemoryStream(data)), new WriteOptions { Length = data.Length + difference }));

        Assert.Equal(StorageErrorKind.IntegrityFailure, e.Kind);
        Assert.Empty(await UploadsInProgressAsync());
        Assert.Null(await provider.StatAsync("short.bin"));
    }

    [Fact]
    public async Task A_promised_MD5_is_stored_when_the_upload_starts_so_no_copy_is_needed_afterwards()
    {
        var (provider, requests) = Recorded(SmallParts);
        var data = RandomBytes(11 * MiB, seed: 7);
        var md5 = ContentHash.Compute(HashAlgorithmKind.MD5, data);

        var written = await provider.WriteAsync("promised.bin", new MemoryStream(data), new WriteOptions { Length = data.Length, ExpectedHashes = [md5] });

        Assert.NotEmpty(PartUploads(requests));
        Assert.False(SelfCopied(requests));
        Assert.Equal(md5.Hex, written.Metadata["cloudstorage-md5"]);
        Assert.Equal(md5, await provider.GetHashAsync("promised.bin", HashAlgorithmKind.MD5));
    }

    // ---------------------------------------------------------------- integrity without download

    [Fact]
    public async Task The_stored_MD5_lets_the_integrity_checker_match_a_multipart_object_without_downloading_it()
    {
        var provider = SmallPartsProvider();
        var data = RandomBytes(13 * MiB, seed: 8);
        await provider.WriteAsync("checked.bin", new NonSeekableStream(new MemoryStream(data)), new WriteOptions());
        var reference = new MemoryStorageProvider("reference");
        await reference.WriteAsync("checked.bin", new MemoryStream(data), new WriteOptions { Length = data.Length });
        var checker = new IntegrityChecker(new TransferEngine());

        var results = new List<IntegrityResult>();
        await foreach (var r in checker.CheckAsync(new StorageLocation(provider, "checked.bin"), new StorageLocation(reference, "checked.bin"),
                           new IntegrityOptions { Download = false }))
            results.Add(r);

        var result = Assert.Single(results);
        Assert.Equal(IntegrityStatus.Match, result.Status);
        Assert.Equal(IntegrityMethod.StoredHash, result.Method);
        Assert.Equal(HashAlgorithmKind.MD5, result.Algorithm);
        Assert.Contains("-", (await provider.StatAsync("checked.bin"))!.ETag); // no native MD5 to fall back on
    }

    [Fact]
    public async Task A_tree_check_reaches_the_stored_MD5_of_listed_multipart_objects_through_the_hash_source()
    {
        var provider = SmallPartsProvider();
        var reference = new MemoryStorageProvider("reference-tree");
        var big = RandomBytes(11 * MiB, seed: 9);
        var small = RandomBytes(1000, seed: 10);
        foreach (var (key, data) in new[] { ("t/big.bin", big), ("t/small.bin", small) })
        {
            await provider.WriteAsync(key, new MemoryStream(data), new WriteOptions { Length = data.Length });
            await reference.WriteAsync(key, new MemoryStream(data), new WriteOptions { Length = data.Length });
        }
        var checker = new IntegrityChecker(new TransferEngine());

        var results = new List<IntegrityResult>();
        await foreach (var r in checker.CheckAsync(new StorageLocation(provider, "t/"), new StorageLocation(reference, "t/"), new IntegrityOptions()))
            results.Add(r);

        Assert.Equal(["big.bin", "small.bin"], results.Select(r => r.Key));
        Assert.All(results, r => Assert.Equal(IntegrityStatus.Match, r.Status));
        Assert.All(results, r => Assert.Equal(HashAlgorithmKind.MD5, r.Algorithm));
    }

    // ---------------------------------------------------------------- server-side copy

    [Fact]
    public async Task Copies_above_the_lowered_copy_threshold_use_UploadPartCopy_and_keep_properties_and_the_MD5()
    {
        var provider = Provider(o => o with { MultipartCopyThreshold = 6 * MiB, CopyPartSize = 5 * MiB });
        var data = RandomBytes(13 * MiB, seed: 11);
        await provider.WriteAsync("copy/source.bin", new MemoryStream(data), new WriteOptions
        {
            Length = data.Length, ContentType = "image/png", Metadata = new Dictionary<string, string> { ["origin"] = "camera" },
        });

        var (copied, parts) = await provider.CopyWithPartsAsync(provider, "copy/source.bin", "copy/target.bin", new WriteOptions());

        Assert.Equal(3, parts);
        Assert.EndsWith("-3\"", copied.ETag);
        Assert.Equal(data.Length, copied.Size);
        Assert.Equal("image/png", copied.ContentType);
        Assert.Equal("camera", copied.Metadata["origin"]);
        Assert.Equal(ContentHash.Compute(HashAlgorithmKind.MD5, data).Hex, copied.Metadata["cloudstorage-md5"]);
        Assert.Equal(data, await ReadAllAsync(provider, "copy/target.bin"));
        Assert.Empty(await UploadsInProgressAsync());
    }

    [Fact]
    public async Task A_multipart_copy_of_a_missing_source_is_NotFound_and_leaves_nothing()
    {
        var provider = Provider(o => o with { MultipartCopyThreshold = 0, CopyPartSize = 5 * MiB });

        var e = await Assert.ThrowsAsync<StorageException>(() => provider.CopyFromAsync(provider, "missing.bin", "never.bin", new WriteOptions()));

        Assert.Equal(StorageErrorKind.NotFound, e.Kind);
        Assert.Null(await provider.StatAsync("never.bin"));
        Assert.Empty(await UploadsInProgressAsync());
    }

    [Fact]
    public async Task Server_side_copy_reaches_another_bucket_of_the_same_service_but_not_another_service()
    {
        var other = await emulator.CreateBucketAsync("other");
        try
        {
            var source = Provider();
            var destination = new S3StorageProvider(emulator.Options(other) with { Credentials = source.Options.Credentials });
            _disposables.Add(destination);
            await source.WriteAsync("x.txt", new MemoryStream("cross"u8.ToArray()), new WriteOptions());

            Assert.True(destination.CanCopyFrom(source));
            await destination.CopyFromAsync(source, "x.txt", "y.txt", new WriteOptions());
            Assert.Equal("cross"u8.ToArray(), await ReadAllAsync(destination, "y.txt"));

            var elsewhere = new S3StorageProvider(emulator.Options(other) with { Endpoint = new Uri("http://127.0.0.1:1") });
            _disposables.Add(elsewhere);
            Assert.False(elsewhere.CanCopyFrom(source));
            Assert.False(destination.CanCopyFrom(new MemoryStorageProvider("m")));
        }
        finally
        {
            await emulator.DeleteBucketAsync(other);
        }
    }

    // ---------------------------------------------------------------- presigned URLs

    [Fact]
    public async Task Presigned_GET_PUT_and_DELETE_work_from_a_plain_HttpClient()
    {
        var provider = Provider();
        using var http = new HttpClient();

        var put = await provider.PresignAsync("presigned/file.txt", new PresignRequest { Method = PresignMethod.Put, ContentType = "text/plain", ExpiresIn = TimeSpan.FromMinutes(5) });
        using (var body = new ByteArrayContent("uploaded with a URL"u8.ToArray()))
        {
            body.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue(put.RequiredHeaders["Content-Type"]);
            using var response = await http.PutAsync(put.Url, body);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }
        var stat = await provider.StatAsync("presigned/file.txt");
        Assert.Equal("text/plain", stat!.ContentType);

        var get = await provider.PresignAsync("presigned/file.txt", new PresignRequest { Method = PresignMethod.Get });
        Assert.Equal("uploaded with a URL", await http.GetStringAsync(get.Url));

        var delete = await provider.PresignAsync("presigned/file.txt", new PresignRequest { Method = PresignMethod.Delete });
        using (var response = await http.DeleteAsync(delete.Url))
            Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        Assert.Null(await provider.StatAsync("presigned/file.txt"));
    }

    [Fact]
    public async Task Presigned_URLs_follow_the_endpoint_scheme_and_hide_the_signature_when_printed()
    {
        var provider = Provider();

        var url = await provider.PresignAsync("a b/c.txt", new PresignRequest { ExpiresIn = TimeSpan.FromMinutes(10) });

        Assert.Equal("http", new Uri(url.Url).Scheme);
        Assert.Equal(emulator.Endpoint.Port, new Uri(url.Url).Port);
        Assert.Contains("X-Amz-Signature=", new Uri(url.Url).Query);
        Assert.Matches("X-Amz-Expires=(599|600)(&|$)", new Uri(url.Url).Query); // never longer than asked
        Assert.Equal("s3://" + _bucket + "/a b/c.txt", url.Uri);
        Assert.InRange(url.ExpiresOn, DateTimeOffset.UtcNow.AddMinutes(9), DateTimeOffset.UtcNow.AddMinutes(11));
        Assert.DoesNotContain("Signature", url.ToString());
    }

    [Fact]
    public async Task A_presigned_URL_with_a_tampered_signature_is_refused_by_the_emulator()
    {
        var provider = Provider();
        await provider.WriteAsync("secret.txt", new MemoryStream("private"u8.ToArray()), new WriteOptions());
        var url = (await provider.PresignAsync("secret.txt", new PresignRequest())).Url;
        var at = url.IndexOf("X-Amz-Signature=", StringComparison.Ordinal) + "X-Amz-Signature=".Length;
        var tampered = url[..at] + (url[at] == '0' ? '1' : '0') + url[(at + 1)..];
        using var http = new HttpClient();

        using var response = await http.GetAsync(tampered);
        using var unsigned = await http.GetAsync(url[..url.IndexOf('?')]);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Contains("SignatureDoesNotMatch", await response.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.Forbidden, unsigned.StatusCode);
    }

    [Fact]
    public async Task An_expired_presigned_URL_is_refused_by_the_emulator()
    {
        var provider = Provider();
        await provider.WriteAsync("brief.txt", new MemoryStream("soon gone"u8.ToArray()), new WriteOptions());
        var url = await provider.PresignAsync("brief.txt", new PresignRequest { ExpiresIn = TimeSpan.FromSeconds(1) });
        using var http = new HttpClient();

        // The emulator checks expiry against its own clock, so this one test has to let a second pass.
        await Task.Delay(TimeSpan.FromSeconds(2.2));
        using var response = await http.GetAsync(url.Url);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Contains("expired", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Presigning_for_more_than_seven_days_is_refused_with_a_clear_error()
    {
        var provider = Provider();

        var e = await Assert.ThrowsAsync<StorageException>(() =>
            provider.PresignAsync("x.txt", new PresignRequest { ExpiresIn = TimeSpan.FromDays(7) + TimeSpan.FromSeconds(1) }));
        var sevenDays = await provider.PresignAsync("x.txt", new PresignRequest { ExpiresIn = TimeSpan.FromDays(7) });

        Assert.Equal(StorageErrorKind.InvalidArgument, e.Kind);
        Assert.Contains("7 days", e.Message);
        Assert.Matches("X-Amz-Expires=(604799|604800)(&|$)", new Uri(sevenDays.Url).Query);
    }

    // ---------------------------------------------------------------- checksums

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Uploads_to_a_custom_endpoint_carry_no_SDK_checksum_trailers_unless_asked_for(bool overridden)
    {
        var recorder = new RecordingHttpClientFactory();
        var options = emulator.Options(_bucket) with
        {
            PartSize = 5 * MiB, MultipartThreshold = 5 * MiB,
            RequestChecksumCalculation = overridden ? RequestChecksumCalculation.WHEN_SUPPORTED : null,
        };
        var config = S3StorageProvider.CreateConfig(options);
        config.HttpClientFactory = recorder;
        var client = new AmazonS3Client(options.Credentials, config);
        _disposables.Add(client);
        var provider = new S3StorageProvider(options, client);
        var data = RandomBytes(6 * MiB, seed: 13);

        await provider.WriteAsync("small.bin", new MemoryStream(data, 0, 1000), new WriteOptions { Length = 1000 });
        await provider.WriteAsync("parts.bin", new MemoryStream(data), new WriteOptions { Length = data.Length });

        var uploads = recorder.Requests.Where(r => r.Method == "PUT" && !r.Headers.ContainsKey("x-amz-copy-source")).ToList();
        Assert.Equal(3, uploads.Count); // PutObject and two UploadParts
        Assert.All(uploads, r => Assert.True(r.Headers.ContainsKey("content-md5"), "every body carries its Content-MD5"));
        if (overridden)
            Assert.Contains(uploads, r => r.HasFlexibleChecksum);
        else
            Assert.DoesNotContain(uploads, r => r.HasFlexibleChecksum);
        Assert.Equal(data, await ReadAllAsync(provider, "parts.bin"));
    }

    // ---------------------------------------------------------------- what a single PutObject's answer proves

    [Fact]
    public async Task A_single_part_write_is_described_by_the_PutObject_answer_without_a_HEAD_and_agrees_with_a_later_stat()
    {
        var recorder = new RecordingHttpClientFactory();
        var options = emulator.Options(_bucket);
        var config = S3StorageProvider.CreateConfig(options);
        config.HttpClientFactory = recorder;
        var client = new AmazonS3Client(options.Credentials, config);
        _disposables.Add(client);
        var provider = new S3StorageProvider(options, client);
        var data = RandomBytes(20_000, seed: 21);
        var write = new WriteOptions
        {
            Length = data.Length, ContentType = "text/csv", CacheControl = "max-age=60", ContentDisposition = "attachment",
            Metadata = new Dictionary<string, string> { ["Origin"] = "unit test" }, ModifiedTime = new DateTimeOffset(2024, 5, 6, 7, 8, 9, TimeSpan.Zero),
        };

        var written = await provider.WriteAsync("put/one.csv", new MemoryStream(data), write);

        Assert.Equal(["PUT"], recorder.Requests.Select(r => r.Method)); // one request: no HEAD after the PUT
        var stat = await provider.StatAsync("put/one.csv");
        Assert.NotNull(stat);
        Assert.Equal((stat.Size, stat.ETag, stat.ContentType, stat.CacheControl, stat.ContentDisposition, stat.StorageClass),
            (written.Size, written.ETag, written.ContentType, written.CacheControl, written.ContentDisposition, written.StorageClass));
        Assert.Equal(stat.Metadata.OrderBy(m => m.Key), written.Metadata.OrderBy(m => m.Key));
        Assert.Equal(stat.Hashes, written.Hashes);
        Assert.Equal(ContentHash.Compute(HashAlgorithmKind.MD5, data), written.GetHash(HashAlgorithmKind.MD5));
        // The answer's Date, not the stored Last-Modified (S3 sends none on a PUT): the same second or the next.
        Assert.InRange((written.LastModified!.Value - stat.LastModified!.Value).TotalSeconds, 0, 1);
    }

    // A store that kept other bytes than were sent (it ignored Content-MD5) reports their MD5 as the ETag, in the PUT's
    // answer and in every later HEAD: the answer cannot describe the object, the provider asks with a HEAD, and the
    // engine's end-to-end check refuses the write. Skipping the HEAD is only taken when the store's own ETag equals
    // the MD5 that was sent, so it never lets a wrong object pass as written.
    [Fact]
    public async Task A_store_that_reports_other_bytes_than_were_sent_fails_the_write_as_an_integrity_error()
    {
        var lying = new OtherBytesHttpClientFactory();
        var options = emulator.Options(_bucket);
        var config = S3StorageProvider.CreateConfig(options);
        config.HttpClientFactory = lying;
        var client = new AmazonS3Client(options.Credentials, config);
        _disposables.Add(client);
        var provider = new S3StorageProvider(options, client);
        var data = RandomBytes(5_000, seed: 22);

        var e = await Assert.ThrowsAsync<StorageException>(() =>
            new TransferEngine().UploadAsync(new MemoryStream(data), data.Length, new StorageLocation(provider, "other.bin"), new CopyRequest { Overwrite = true }));

        Assert.Equal(StorageErrorKind.IntegrityFailure, e.Kind);
        Assert.Contains(OtherBytesHttpClientFactory.OtherMd5, e.Message, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(["PUT", "HEAD"], lying.Methods);
    }

    private sealed class OtherBytesHttpClientFactory : HttpClientFactory
    {
        public static readonly string OtherMd5 = Convert.ToHexString(MD5.HashData("other bytes"u8)).ToLowerInvariant();
        public System.Collections.Concurrent.ConcurrentQueue<string> Methods { get; } = new();

        public override HttpClient CreateHttpClient(IClientConfig clientConfig) => new(new Handler(this) { InnerHandler = new SocketsHttpHandler() });

        public override bool UseSDKHttpClientCaching(IClientConfig clientConfig) => false;

        private sealed class Handler(OtherBytesHttpClientFactory owner) : DelegatingHandler
        {
            protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
            {
                owner.Methods.Enqueue(request.Method.Method);
                var response = await base.SendAsync(request, cancellationToken);
                if (response.Headers.ETag is not null)
                {
                    response.Headers.Remove("ETag");
                    response.Headers.TryAddWithoutValidation("ETag", $"\"{OtherMd5}\"");
                }
                return response;
            }
        }
    }

    // ---------------------------------------------------------------- properties

    [Theory]
    [InlineData(1000)]
    [InlineData(6 * MiB)]
    public async Task Metadata_content_type_storage_class_and_tags_are_stored_on_single_and_multipart_uploads(int size)
    {
        var provider = SmallPartsProvider();
        var data = RandomBytes(size, seed: 12);

        var written = await provider.WriteAsync("props.bin", new MemoryStream(data), new WriteOptions
        {
            Length = size,
            ContentType = "application/x-props",
            Metadata = new Dictionary<string, string> { ["Owner"] = "alice", ["project"] = "apollo 11" },
            StorageClass = "STANDARD_IA",
            Tags = new Dictionary<string, string> { ["team"] = "storage", ["cost center"] = "a&b=c" },
        });
        var tagging = await Client().GetObjectTaggingAsync(new GetObjectTaggingRequest { BucketName = _bucket, Key = "props.bin" });

        Assert.Equal("application/x-props", written.ContentType);
        Assert.Equal("alice", written.Metadata["owner"]);
        Assert.Equal("apollo 11", written.Metadata["PROJECT"]);
        Assert.Equal("STANDARD_IA", written.StorageClass);
        Assert.Equal(new Dictionary<string, string> { ["team"] = "storage", ["cost center"] = "a&b=c" },
            tagging.Tagging.ToDictionary(t => t.Key, t => t.Value));
    }

    [Fact]
    public async Task Storage_class_and_tags_from_the_engine_survive_a_multipart_stream_whose_MD5_is_stored_by_a_copy_afterwards()
    {
        var (provider, requests) = Recorded(SmallParts);
        var data = RandomBytes(11 * MiB, seed: 14);
        var request = new CopyRequest { StorageClass = "ONEZONE_IA", Tags = new Dictionary<string, string> { ["retention"] = "30d" } };

        var written = await new TransferEngine().UploadAsync(new NonSeekableStream(new MemoryStream(data)), null, new StorageLocation(provider, "tagged.bin"), request);

        Assert.NotEmpty(PartUploads(requests));
        Assert.True(SelfCopied(requests)); // the object was copied onto itself after completion
        var head = await Client().GetObjectMetadataAsync(new GetObjectMetadataRequest { BucketName = _bucket, Key = "tagged.bin" });
        var tagging = await Client().GetObjectTaggingAsync(new GetObjectTaggingRequest { BucketName = _bucket, Key = "tagged.bin" });
        Assert.Equal("ONEZONE_IA", head.StorageClass.Value);
        Assert.Equal("ONEZONE_IA", written.StorageClass);
        Assert.Equal(("retention", "30d"), (Assert.Single(tagging.Tagging).Key, tagging.Tagging[0].Value));
    }

    [Fact]
    public async Task Objects_without_a_content_type_are_stored_as_octet_streams_and_list_as_STANDARD()
    {
        var provider = Provider();

        await provider.WriteAsync("plain.bin", new MemoryStream([1, 2, 3]), new WriteOptions());
        var listed = new List<StorageItem>();
        await foreach (var item in provider.ListAsync(ListRequest.Recursive())) listed.Add(item);

        Assert.Equal("application/octet-stream", (await provider.StatAsync("plain.bin"))!.ContentType);
        Assert.Equal("STANDARD", Assert.Single(listed).StorageClass);
    }

    // ---------------------------------------------------------------- bulk delete

    [Fact]
    public async Task DeleteMany_removes_2500_keys_in_three_DeleteObjects_requests_and_a_missing_key_is_a_success()
    {
        var recorder = new RecordingHttpClientFactory();
        var options = emulator.Options(_bucket);
        var config = S3StorageProvider.CreateConfig(options);
        config.HttpClientFactory = recorder;
        var recordedClient = new AmazonS3Client(options.Credentials, config);
        _disposables.Add(recordedClient);
        var provider = new S3StorageProvider(options, recordedClient);
        var client = Client();
        var keys = Enumerable.Range(0, 2499).Select(i => $"bulk/{i:D4}.txt").ToList();
        foreach (var batch in keys.Chunk(50))
            await Task.WhenAll(batch.Select(k => client.PutObjectAsync(new PutObjectRequest { BucketName = _bucket, Key = k, ContentBody = k })));
        await client.PutObjectAsync(new PutObjectRequest { BucketName = _bucket, Key = "keep.txt", ContentBody = "keep" });
        var requested = keys.Take(1200).Append("bulk/missing.txt").Concat(keys.Skip(1200)).ToList();

        var results = await provider.DeleteManyAsync(requested);

        Assert.Equal(requested, results.Select(r => r.Key));
        Assert.All(results, r => Assert.True(r.Succeeded, r.Error?.Message));
        var deletes = recorder.Requests.Where(r => r.Method == "POST" && r.PathAndQuery.Contains("delete")).ToList();
        Assert.Equal(3, deletes.Count);
        Assert.Equal(3, recorder.Requests.Count);
        var left = new List<string>();
        await foreach (var item in provider.ListAsync(ListRequest.Recursive())) left.Add(item.Key);
        Assert.Equal(["keep.txt"], left);
    }

    [Fact]
    public async Task The_engine_deletes_in_batches_through_the_resilience_layer_and_a_name_prefix_and_reports_invalid_keys_per_key()
    {
        var s3 = Provider();
        // What the factory builds for s3:// addresses, registered under a name confined to a prefix.
        var named = new NamedProvider("bk", new ResilientStorageProvider(s3), "r/");
        for (var i = 0; i < 5; i++) await named.WriteAsync($"{i}", new MemoryStream([1]), new WriteOptions());
        await s3.WriteAsync("0", new MemoryStream([2]), new WriteOptions());
        var outcome = new List<(string Key, Exception? Error)>();

        using (var batcher = new DeleteBatcher<int>(named, 2, (key, _, error) => outcome.Add((key, error))))
        {
            Assert.Equal(1000, batcher.BatchSize);
            foreach (var key in new[] { "0", "1", "2", "3", "4", "ends/with/" }) await batcher.AddAsync(key, 0);
            await batcher.CompleteAsync();
        }

        Assert.Equal(["0", "1", "2", "3", "4", "ends/with/"], outcome.Select(o => o.Key).Order(StringComparer.Ordinal));
        var refused = Assert.Single(outcome, o => o.Error is not null);
        Assert.Equal(("ends/with/", StorageErrorKind.InvalidKey), (refused.Key, Assert.IsType<StorageException>(refused.Error).Kind));
        var left = new List<string>();
        await foreach (var item in s3.ListAsync(ListRequest.Recursive())) left.Add(item.Key);
        Assert.Equal(["0"], left);
    }

    // ---------------------------------------------------------------- errors

    [Fact]
    public async Task Wrong_credentials_are_PermissionDenied_and_the_resilience_layer_does_not_retry_them()
    {
        var retries = 0;
        var inner = Provider(o => o with { Credentials = new BasicAWSCredentials(emulator.AccessKey, "not-the-secret") });
        var provider = new ResilientStorageProvider(inner, new StorageResilienceOptions { OnRetry = _ => retries++ });

        var e = await Assert.ThrowsAsync<StorageException>(() => provider.OpenReadAsync("any.txt"));
        var list = await Assert.ThrowsAsync<StorageException>(async () => { await foreach (var _ in provider.ListAsync(ListRequest.Recursive())) { } });

        Assert.Equal(StorageErrorKind.PermissionDenied, e.Kind);
        Assert.Equal(StorageErrorKind.PermissionDenied, list.Kind);
        Assert.False(e.IsTransient);
        Assert.Equal(0, retries);
    }

    [Fact]
    public async Task A_missing_bucket_is_NotFound_naming_the_bucket()
    {
        var provider = new S3StorageProvider(emulator.Options("no-such-bucket-" + Guid.NewGuid().ToString("N")[..8]));
        _disposables.Add(provider);

        var e = await Assert.ThrowsAsync<StorageException>(async () => { await foreach (var _ in provider.ListAsync(ListRequest.Recursive())) { } });

        Assert.Equal(StorageErrorKind.NotFound, e.Kind);
        Assert.Contains("bucket", e.Message);
    }

    [Fact]
    public async Task A_service_that_does_not_answer_fails_as_Transient_and_is_retried_a_bounded_number_of_times()
    {
        await AssertUnansweredCallsAreTransientAndRetriedBoundedlyAsync(Provider(o => o with { Endpoint = new Uri("http://127.0.0.1:1") }));
    }

    // ---------------------------------------------------------------- addresses

    [Fact]
    public async Task S3_URIs_resolve_through_the_registry_with_credentials_and_endpoint_from_the_standard_environment_variables()
    {
        var variables = new Dictionary<string, string?>
        {
            ["AWS_ACCESS_KEY_ID"] = emulator.AccessKey,
            ["AWS_SECRET_ACCESS_KEY"] = emulator.SecretKey,
            ["AWS_REGION"] = emulator.Region,
            ["AWS_ENDPOINT_URL_S3"] = emulator.Endpoint.ToString(),
        };
        var saved = variables.Keys.ToDictionary(k => k, Environment.GetEnvironmentVariable);
        try
        {
            foreach (var (k, v) in variables) Environment.SetEnvironmentVariable(k, v);
            var registry = new ProviderRegistry();
            ProviderPack.RegisterAll(registry);
            var engine = new TransferEngine();

            var location = registry.Resolve($"s3://{_bucket}/via/uri.txt");
            await engine.UploadAsync(new MemoryStream("by address"u8.ToArray()), null, location, new CopyRequest());

            Assert.Equal($"s3://{_bucket}/via/uri.txt", location.Uri);
            Assert.Equal("by address"u8.ToArray(), await engine.ReadAllBytesAsync(location, 1000));
            var s3 = Assert.IsType<S3StorageProvider>(((ResilientStorageProvider)location.Provider).Inner);
            Assert.Equal(RequestChecksumCalculation.WHEN_REQUIRED, s3.Config.RequestChecksumCalculation);
        }
        finally
        {
            foreach (var (k, v) in saved) Environment.SetEnvironmentVariable(k, v);
        }
    }

    [Fact]
    public async Task A_named_provider_takes_endpoint_region_and_a_profile_from_its_registration_and_stays_under_its_prefix()
    {
        var credentials = Path.Combine(Path.GetTempPath(), $"cloudstorage-credentials-{Guid.NewGuid():N}");
        await File.WriteAllTextAsync(credentials, $"[emulator]\naws_access_key_id = {emulator.AccessKey}\naws_secret_access_key = {emulator.SecretKey}\n");
        try
        {
            var registry = new ProviderRegistry();
            ProviderPack.RegisterAll(registry);
            registry.Register("backup", $"s3://{_bucket}/backups/", new Dictionary<string, string>
            {
                ["endpoint"] = emulator.Endpoint.ToString(),
                ["region"] = emulator.Region,
                ["profile"] = "emulator",
                ["profiles-location"] = credentials,
            });
            await AssertNamedProviderWritesUnderItsPrefixAndPresignsAsync(registry, "backup:daily/db.dump", Provider(), "backups/daily/db.dump");
        }
        finally
        {
            File.Delete(credentials);
        }
    }
}
