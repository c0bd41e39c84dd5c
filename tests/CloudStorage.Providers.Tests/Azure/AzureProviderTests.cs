using System.Net;
using System.Security.Cryptography;
using CloudStorage.Core.Addressing;
using CloudStorage.Core.Errors;
using CloudStorage.Core.Integrity;
using CloudStorage.Core.Model;
using CloudStorage.Providers.Azure;
using CloudStorage.Providers.Resilience;
using CloudStorage.Providers.Tests.Emulator;
using CloudStorage.Providers.Tests.Support;
using CloudStorage.Core.Tests.Conformance;
using CloudStorage.Core.Transfer;
using Xunit.Abstractions;
using static CloudStorage.Providers.Tests.Support.ProviderTestHelpers;

namespace CloudStorage.Providers.Tests.Azure;

// What the shared suite does not cover, against Azurite: parallel block uploads within the memory bound, the stored
// Content-MD5, server-side copies of multi-block blobs, SAS used by a plain HTTP client and refused when tampered,
// expired or used for another method, wrong keys, secrets kept out of errors, and the address forms.
[Collection(AzuriteCollection.Name)]
public sealed class AzureProviderTests(AzuriteFixture emulator, ITestOutputHelper output) : IAsyncLifetime
{
    private string _container = "";

    public async Task InitializeAsync() => _container = await emulator.CreateContainerAsync("aztests");

    public Task DisposeAsync() => emulator.DeleteContainerAsync(_container);

    private AzureBlobStorageProvider Provider(Func<AzureBlobProviderOptions, AzureBlobProviderOptions>? configure = null)
    {
        var options = emulator.Options(_container);
        return new AzureBlobStorageProvider(configure is null ? options : configure(options));
    }

    // Blocks of 4 MiB from 4 MiB on: the block path with test-sized objects.
    private AzureBlobStorageProvider SmallBlocksProvider(int concurrency = 4) =>
        Provider(o => o with { BlockSize = 4 * MiB, SingleUploadThreshold = 4 * MiB, Concurrency = concurrency });

    // ---------------------------------------------------------------- block uploads

    [Fact]
    public async Task A_64_MiB_upload_goes_up_in_parallel_blocks_within_the_block_buffer_memory_bound()
    {
        const long length = 64L * MiB;
        var provider = SmallBlocksProvider(concurrency: 4);
        var expectedMd5 = GeneratedStream.Md5Of(length);

        var ((written, stats), allocated) = await MeasureAllocationsAsync(() =>
            provider.WriteWithStatisticsAsync("big/64mib.bin", new GeneratedStream(length), new WriteOptions { Length = length }));

        Assert.True(stats.Multipart);
        Assert.Equal(4 * MiB, stats.PartSize);
        Assert.Equal(16, stats.Parts);
        // At most `concurrency` blocks in flight and buffers held. That blocks do overlap is shown by the pipeline's own
        // test with a sink that holds each part (PartUploadPipelineTests): against in-memory Azurite a 4 MiB block can be
        // stored before the next one is filled and hashed, so the peak here may be 1 (seen in CI).
        Assert.InRange(stats.BuffersAllocated, 1, 4);
        Assert.InRange(stats.PeakPartsInFlight, 1, 4);
        // Blocks in flight × block size, plus the HTTP stack's own working memory: far less than the blob.
        var bound = (4 + 1) * 4L * MiB + 16L * MiB;
        output.WriteLine($"allocated {allocated / (double)MiB:F1} MiB, {stats.BuffersAllocated} block buffers, peak {stats.PeakPartsInFlight} blocks in flight");
        Assert.True(allocated < bound, $"the upload allocated {allocated / MiB} MiB; the bound is {bound / MiB} MiB for a {length / MiB} MiB blob");
        Assert.Equal(length, written.Size);
        // The whole-blob MD5 went up with the block list: the service reports it without anything being read back.
        Assert.Equal(expectedMd5, written.GetHash(HashAlgorithmKind.MD5)!.GetBytes());
        await using var read = await provider.OpenReadAsync("big/64mib.bin");
        Assert.Equal(expectedMd5, await MD5.HashDataAsync(read));
    }

    [Fact]
    public async Task A_block_list_upload_of_unknown_length_has_its_Content_MD5_in_stat_listing_and_hash_source()
    {
        var data = RandomBytes(9 * MiB + 3, seed: 1);
        var provider = SmallBlocksProvider();
        var md5 = ContentHash.Compute(HashAlgorithmKind.MD5, data);

        var (written, upload) = await provider.WriteWithStatisticsAsync("unknown.bin", new NonSeekableStream(new MemoryStream(data), maxChunk: 70_000),
            new WriteOptions { ContentType = "application/x-test", Metadata = new Dictionary<string, string> { ["origin"] = "test" } });

        Assert.True(upload.Multipart);
        Assert.Equal(3, upload.Parts);
        Assert.Equal(md5, written.GetHash(HashAlgorithmKind.MD5));
        Assert.Equal(md5, (await provider.StatAsync("unknown.bin"))!.GetHash(HashAlgorithmKind.MD5));
        Assert.Equal(md5, Assert.Single(await ListAsync(provider, ListRequest.Recursive())).GetHash(HashAlgorithmKind.MD5));
        Assert.Equal(md5, await provider.GetHashAsync("unknown.bin", HashAlgorithmKind.MD5));
        Assert.Equal("application/x-test", written.ContentType);
        Assert.Equal("test", written.Metadata["origin"]);
        Assert.Equal(data, await ReadAllAsync(provider, "unknown.bin"));
    }

    [Fact]
    public async Task The_stored_Content_MD5_lets_the_integrity_checker_match_a_block_blob_without_downloading_it()
    {
        var data = RandomBytes(9 * MiB, seed: 2);
        var provider = SmallBlocksProvider();
        await provider.WriteAsync("checked.bin", new MemoryStream(data), new WriteOptions { Length = data.Length });
        var reference = new Core.Providers.Memory.MemoryStorageProvider("reference");
        await reference.WriteAsync("checked.bin", new MemoryStream(data), new WriteOptions { Length = data.Length });

        var checker = new IntegrityChecker(new TransferEngine());

        var results = new List<IntegrityResult>();
        await foreach (var r in checker.CheckAsync(new StorageLocation(provider, "checked.bin"), new StorageLocation(reference, "checked.bin"),
                           new IntegrityOptions { Download = false }))
            results.Add(r);

        var result = Assert.Single(results);
        Assert.Equal(IntegrityStatus.Match, result.Status);
        Assert.Equal(IntegrityMethod.NativeHash, result.Method);
        Assert.Equal(HashAlgorithmKind.MD5, result.Algorithm);
    }

    [Fact]
    public async Task Metadata_content_type_access_tier_and_tags_are_stored_on_single_and_block_uploads()
    {
        var provider = SmallBlocksProvider();
        foreach (var size in new[] { 1000, 6 * MiB })
        {
            var key = $"props-{size}.bin";
            var written = await provider.WriteAsync(key, new MemoryStream(RandomBytes(size, seed: 3)), new WriteOptions
            {
                Length = size,
                ContentType = "application/x-props",
                Metadata = new Dictionary<string, string> { ["Owner"] = "alice", ["project"] = "apollo 11", ["cloudstorage-crc32c"] = "01020304" },
                StorageClass = "cool",
                Tags = new Dictionary<string, string> { ["team"] = "storage", ["cost center"] = "a+b=c:d/e" },
            });
            var tags = await emulator.GetTagsAsync(_container, key);

            Assert.Equal("application/x-props", written.ContentType);
            Assert.Equal("alice", written.Metadata["owner"]);
            Assert.Equal("apollo 11", written.Metadata["PROJECT"]);
            Assert.Equal("01020304", written.Metadata["cloudstorage-crc32c"]); // stored as cloudstorage_crc32c, read back by its engine name
            Assert.Equal("Cool", written.StorageClass);
            Assert.Equal(new Dictionary<string, string> { ["team"] = "storage", ["cost center"] = "a+b=c:d/e" }, tags);
        }
    }

    [Fact]
    public async Task Metadata_Azure_cannot_store_is_refused_before_anything_is_sent()
    {
        var provider = Provider();

        var name = await Assert.ThrowsAsync<StorageException>(() => provider.WriteAsync("m.txt", new MemoryStream([1]),
            new WriteOptions { Metadata = new Dictionary<string, string> { ["bad-name"] = "x" } }));
        var value = await Assert.ThrowsAsync<StorageException>(() => provider.WriteAsync("m.txt", new MemoryStream([1]),
            new WriteOptions { Metadata = new Dictionary<string, string> { ["ok"] = "caf\u00e9" } }));
        var tier = await Assert.ThrowsAsync<StorageException>(() => provider.WriteAsync("m.txt", new MemoryStream([1]),
            new WriteOptions { StorageClass = "GLACIER" }));

        Assert.Equal(StorageErrorKind.InvalidArgument, name.Kind);
        Assert.Contains("bad-name", name.Message);
        Assert.Equal(StorageErrorKind.InvalidArgument, value.Kind);
        Assert.Equal(StorageErrorKind.InvalidArgument, tier.Kind);
        Assert.Null(await provider.StatAsync("m.txt"));
    }

    [Theory]
    [InlineData("ends-with-dot.")]
    [InlineData("dir./file.txt")]
    [InlineData("a/../b.txt")]
    [InlineData("back\\slash.txt")]
    public async Task Keys_Azure_would_alter_are_refused_with_InvalidKey(string key)
    {
        var provider = Provider();

        var e = await Assert.ThrowsAsync<StorageException>(() => provider.WriteAsync(key, new MemoryStream([1]), new WriteOptions()));

        Assert.Equal(StorageErrorKind.InvalidKey, e.Kind);
        Assert.Empty(await ListAsync(provider, ListRequest.Recursive()));
    }

    [Fact]
    public async Task Keys_with_plus_percent_hash_question_mark_and_unicode_round_trip_through_list_stat_read_and_copy()
    {
        var provider = Provider();
        string[] keys = ["q?x=1&y=2.txt", "a+b/c%2Fd#e.txt", "sp ace/\u00fc\u65e5\U0001F680.txt"];

        foreach (var key in keys)
        {
            await provider.WriteAsync(key, new MemoryStream(System.Text.Encoding.UTF8.GetBytes(key)), new WriteOptions());
            await provider.CopyFromAsync(provider, key, "copy/" + key, new WriteOptions());
        }

        var listed = (await ListAsync(provider, ListRequest.Recursive())).Select(i => i.Key).ToList();
        Assert.Equal(keys.Concat(keys.Select(k => "copy/" + k)).Order(KeyComparer.Instance), listed);
        foreach (var key in keys)
            Assert.Equal(System.Text.Encoding.UTF8.GetBytes(key), await ReadAllAsync(provider, "copy/" + key));
    }

    [Fact]
    public async Task Listings_come_in_UTF8_order_across_pages_though_Azurite_lists_in_UTF16_order()
    {
        var provider = Provider();
        // UTF-16 (the service): "d/z" < "d/\U0001F600" < "d/\uFF61"; UTF-8 (the engine): the emoji last.
        string[] keys = ["d/\uFF61.txt", "d/\U0001F600.txt", "d/z.txt", "d/\U0001F4C1/x.txt", "e.txt"];
        foreach (var key in keys)
            await provider.WriteAsync(key, new MemoryStream([1]), new WriteOptions());

        var expected = keys.Order(KeyComparer.Instance).ToList();
        Assert.NotEqual(expected, keys.Order(StringComparer.Ordinal).ToList());
        // One key a page: every boundary is a page boundary.
        Assert.Equal(expected, (await ListAsync(provider, ListRequest.Recursive() with { PageSize = 1 })).Select(i => i.Key).ToList());
        Assert.Equal(["d/z.txt", "d/\uFF61.txt", "d/\U0001F4C1/", "d/\U0001F600.txt"],
            (await ListAsync(provider, ListRequest.OneLevel("d/") with { PageSize = 1 })).Select(i => i.Key).ToList());
    }

    // ---------------------------------------------------------------- server-side copy

    [Fact]
    public async Task A_multi_block_blob_is_copied_server_side_with_Copy_Blob_above_the_threshold_keeping_properties_and_MD5()
    {
        var provider = Provider(o => o with { BlockSize = 1 * MiB, SingleUploadThreshold = 1 * MiB, CopyThreshold = 2 * MiB });
        var data = RandomBytes(5 * MiB + 11, seed: 4);
        var (_, upload) = await provider.WriteWithStatisticsAsync("blocks.bin", new MemoryStream(data), new WriteOptions
        {
            Length = data.Length, ContentType = "application/x-blocks", Metadata = new Dictionary<string, string> { ["origin"] = "source" },
        });
        Assert.Equal(6, upload.Parts);

        var (copied, method) = await provider.CopyWithMethodAsync(provider, "blocks.bin", "copies/blocks.bin", new WriteOptions());
        var small = await provider.CopyFromAsync(provider, "blocks.bin", "copies/retyped.bin", new WriteOptions { ContentType = "text/plain" }) ;

        Assert.Equal("CopyBlob", method); // above the 2 MiB threshold: Copy Blob, its status polled
        Assert.Equal(data.Length, copied.Size);
        Assert.Equal(ContentHash.Compute(HashAlgorithmKind.MD5, data), copied.GetHash(HashAlgorithmKind.MD5));
        Assert.Equal("application/x-blocks", copied.ContentType);
        Assert.Equal("source", copied.Metadata["origin"]);
        Assert.Equal("text/plain", small.ContentType);
        Assert.Equal(ContentHash.Compute(HashAlgorithmKind.MD5, data), small.GetHash(HashAlgorithmKind.MD5));
        Assert.Equal(data, await ReadAllAsync(provider, "copies/blocks.bin"));
    }

    [Fact]
    public async Task Small_blobs_are_copied_with_Copy_Blob_From_URL_and_large_ones_with_Copy_Blob()
    {
        var provider = Provider(o => o with { CopyThreshold = 1000 });
        await provider.WriteAsync("small.txt", new MemoryStream(RandomBytes(1000, seed: 5)), new WriteOptions());
        await provider.WriteAsync("large.bin", new MemoryStream(RandomBytes(1001, seed: 6)), new WriteOptions());

        var (_, smallMethod) = await provider.CopyWithMethodAsync(provider, "small.txt", "small-copy.txt", new WriteOptions());
        var (_, largeMethod) = await provider.CopyWithMethodAsync(provider, "large.bin", "large-copy.bin", new WriteOptions());

        Assert.Equal("CopyBlobFromUrl", smallMethod);
        Assert.Equal("CopyBlob", largeMethod);
        Assert.Equal(RandomBytes(1001, seed: 6), await ReadAllAsync(provider, "large-copy.bin"));
    }

    [Fact]
    public async Task Server_side_copy_reaches_another_container_of_the_same_account_but_not_another_service()
    {
        var other = await emulator.CreateContainerAsync("other");
        try
        {
            var source = Provider();
            var destination = new AzureBlobStorageProvider(emulator.Options(other));
            var elsewhere = new AzureBlobStorageProvider(emulator.Options(other) with { Endpoint = new Uri("http://127.0.0.1:1/devstoreaccount1") });
            await source.WriteAsync("x.txt", new MemoryStream("across"u8.ToArray()), new WriteOptions());

            Assert.True(destination.CanCopyFrom(source));
            Assert.False(elsewhere.CanCopyFrom(source));
            Assert.False(destination.CanCopyFrom(new Core.Providers.Memory.MemoryStorageProvider("m")));
            await destination.CopyFromAsync(source, "x.txt", "y.txt", new WriteOptions());
            Assert.Equal("across"u8.ToArray(), await ReadAllAsync(destination, "y.txt"));
        }
        finally
        {
            await emulator.DeleteContainerAsync(other);
        }
    }

    // ---------------------------------------------------------------- SAS

    [Fact]
    public async Task SAS_GET_PUT_and_DELETE_work_from_a_plain_HttpClient()
    {
        var provider = Provider();
        using var http = new HttpClient();

        var put = await provider.PresignAsync("sas/file name+1.txt", new PresignRequest { Method = PresignMethod.Put, ContentType = "text/plain", ExpiresIn = TimeSpan.FromMinutes(5) });
        using (var request = new HttpRequestMessage(HttpMethod.Put, put.Url) { Content = new ByteArrayContent("uploaded with a SAS"u8.ToArray()) })
        {
            foreach (var (name, value) in put.RequiredHeaders)
                if (!request.Headers.TryAddWithoutValidation(name, value)) request.Content.Headers.TryAddWithoutValidation(name, value);
            using var response = await http.SendAsync(request);
            Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        }
        Assert.Equal("text/plain", (await provider.StatAsync("sas/file name+1.txt"))!.ContentType);

        var get = await provider.PresignAsync("sas/file name+1.txt", new PresignRequest { Method = PresignMethod.Get });
        Assert.Equal("uploaded with a SAS", await http.GetStringAsync(get.Url));

        var delete = await provider.PresignAsync("sas/file name+1.txt", new PresignRequest { Method = PresignMethod.Delete });
        using (var response = await http.DeleteAsync(delete.Url))
            Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Null(await provider.StatAsync("sas/file name+1.txt"));
    }

    [Fact]
    public async Task SAS_URLs_carry_the_expiry_and_start_asked_for_and_hide_the_signature_when_printed()
    {
        var provider = Provider();
        await provider.WriteAsync("later.txt", new MemoryStream("later"u8.ToArray()), new WriteOptions());

        var url = await provider.PresignAsync("later.txt", new PresignRequest { ExpiresIn = TimeSpan.FromMinutes(10) });
        var notYet = await provider.PresignAsync("later.txt", new PresignRequest(), DateTimeOffset.UtcNow.AddHours(1));
        using var http = new HttpClient();
        using var early = await http.GetAsync(notYet.Url);

        Assert.Equal(emulator.Endpoint.Port, new Uri(url.Url).Port);
        Assert.Contains("sp=r", new Uri(url.Url).Query);
        Assert.Contains("sig=", new Uri(url.Url).Query);
        Assert.Equal($"az://{emulator.Account}/{_container}/later.txt", url.Uri);
        Assert.InRange(url.ExpiresOn, DateTimeOffset.UtcNow.AddMinutes(9), DateTimeOffset.UtcNow.AddMinutes(10));
        Assert.DoesNotContain("sig", url.ToString());
        Assert.Equal(HttpStatusCode.Forbidden, early.StatusCode);
    }

    [Fact]
    public async Task Tampered_expired_widened_and_wrong_permission_SAS_URLs_are_refused_by_Azurite()
    {
        var provider = Provider();
        await provider.WriteAsync("secret.txt", new MemoryStream("private"u8.ToArray()), new WriteOptions());
        var get = (await provider.PresignAsync("secret.txt", new PresignRequest())).Url;
        var at = get.IndexOf("sig=", StringComparison.Ordinal) + "sig=".Length;
        var tampered = get[..at] + (get[at] == 'A' ? 'B' : 'A') + get[(at + 1)..];
        var brief = await provider.PresignAsync("secret.txt", new PresignRequest { ExpiresIn = TimeSpan.FromSeconds(1) });
        using var http = new HttpClient();

        using var tamperedResponse = await http.GetAsync(tampered);
        using var unsigned = await http.GetAsync(get[..get.IndexOf('?')]);
        using var putWithGetUrl = await http.SendAsync(new HttpRequestMessage(HttpMethod.Put, get)
        {
            Content = new ByteArrayContent("overwritten"u8.ToArray()), Headers = { { "x-ms-blob-type", "BlockBlob" } },
        });
        using var deleteWithGetUrl = await http.DeleteAsync(get);
        // Widened: the read SAS with write permissions written into it (the signature no longer matches).
        var widened = get.Replace("sp=r&", "sp=rcw&", StringComparison.Ordinal);
        Assert.NotEqual(get, widened);
        using var widenedPut = await http.SendAsync(new HttpRequestMessage(HttpMethod.Put, widened)
        {
            Content = new ByteArrayContent("overwritten"u8.ToArray()), Headers = { { "x-ms-blob-type", "BlockBlob" } },
        });
        // Azurite checks the expiry against its own clock, so this one test lets a second pass.
        await Task.Delay(TimeSpan.FromSeconds(2.2));
        using var expired = await http.GetAsync(brief.Url);

        Assert.Equal(HttpStatusCode.Forbidden, tamperedResponse.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, unsigned.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, putWithGetUrl.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, deleteWithGetUrl.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, widenedPut.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, expired.StatusCode);
        Assert.Equal("private"u8.ToArray(), await ReadAllAsync(provider, "secret.txt"));
    }

    [Fact]
    public async Task A_provider_authenticated_by_a_SAS_token_works_within_what_the_token_grants_and_cannot_presign()
    {
        var keyed = Provider();
        await keyed.WriteAsync("shared.txt", new MemoryStream("readable"u8.ToArray()), new WriteOptions());
        var token = new Uri((await keyed.PresignAsync("shared.txt", new PresignRequest())).Url).Query;
        var bySas = Provider(o => o with { Credential = AzureStorageCredential.Sas(token) });

        Assert.Equal("readable"u8.ToArray(), await ReadAllAsync(bySas, "shared.txt"));
        var denied = await Assert.ThrowsAsync<StorageException>(() => bySas.WriteAsync("shared.txt", new MemoryStream([1]), new WriteOptions()));
        Assert.Equal(StorageErrorKind.PermissionDenied, denied.Kind);
        Assert.False(bySas.Capabilities.Presign);
        var presign = await Assert.ThrowsAsync<StorageException>(() => bySas.PresignAsync("shared.txt", new PresignRequest()));
        Assert.Equal(StorageErrorKind.Unsupported, presign.Kind);
        AssertNoSecret(denied, token);
        AssertNoSecret(presign, token);
    }

    [Fact]
    public async Task Presigning_beyond_seven_days_is_refused_with_a_clear_error()
    {
        var provider = Provider();

        var e = await Assert.ThrowsAsync<StorageException>(() =>
            provider.PresignAsync("x.txt", new PresignRequest { ExpiresIn = TimeSpan.FromDays(7) + TimeSpan.FromSeconds(1) }));
        var week = await provider.PresignAsync("x.txt", new PresignRequest { ExpiresIn = TimeSpan.FromDays(7) });

        Assert.Equal(StorageErrorKind.InvalidArgument, e.Kind);
        Assert.Contains("7 days", e.Message);
        Assert.True(week.ExpiresOn <= DateTimeOffset.UtcNow.AddDays(7));
    }

    // ---------------------------------------------------------------- errors and secrets

    [Fact]
    public async Task A_wrong_account_key_is_PermissionDenied_not_retried_and_never_shown()
    {
        var wrongKey = Convert.ToBase64String(RandomBytes(64, seed: 99));
        var retries = 0;
        var inner = Provider(o => o with { Credential = AzureStorageCredential.SharedKey(emulator.Account, wrongKey) });
        var provider = new ResilientStorageProvider(inner, new StorageResilienceOptions { OnRetry = _ => retries++ });

        var read = await Assert.ThrowsAsync<StorageException>(() => provider.OpenReadAsync("any.txt"));
        var write = await Assert.ThrowsAsync<StorageException>(() => provider.WriteAsync("any.txt", new MemoryStream([1, 2]), new WriteOptions()));
        var list = await Assert.ThrowsAsync<StorageException>(async () => { await foreach (var _ in provider.ListAsync(ListRequest.Recursive())) { } });
        var stat = await Assert.ThrowsAsync<StorageException>(() => provider.StatAsync("any.txt"));

        foreach (var e in new[] { read, write, list, stat })
        {
            Assert.Equal(StorageErrorKind.PermissionDenied, e.Kind);
            Assert.False(e.IsTransient);
            AssertNoSecret(e, wrongKey);
            AssertNoSecret(e, emulator.Key);
        }
        Assert.Contains("AuthorizationFailure", read.Message + write.Message);
        Assert.Equal(0, retries);
    }

    [Fact]
    public void Options_providers_and_connection_strings_print_no_secret()
    {
        var options = emulator.Options(_container);
        var provider = new AzureBlobStorageProvider(options);
        var connection = AzureConnectionString.Parse(emulator.ConnectionString);
        var sas = AzureStorageCredential.Sas("sv=2024-11-04&sp=r&sig=c2VjcmV0c2lnbmF0dXJl");

        foreach (var text in new[] { options.ToString(), provider.ToString(), provider.Options.ToString(), connection.ToString(), sas.ToString() })
        {
            Assert.DoesNotContain(emulator.Key, text);
            Assert.DoesNotContain(emulator.Key[..20], text);
            Assert.DoesNotContain("c2VjcmV0c2lnbmF0dXJl", text);
        }
        Assert.Contains("SharedKey", options.ToString());
    }

    [Fact]
    public async Task A_missing_container_is_NotFound_naming_the_container()
    {
        var provider = Provider(o => o with { Container = "no-such-container-" + Guid.NewGuid().ToString("N")[..8] });

        var list = await Assert.ThrowsAsync<StorageException>(async () => { await foreach (var _ in provider.ListAsync(ListRequest.Recursive())) { } });
        var stat = await Assert.ThrowsAsync<StorageException>(() => provider.StatAsync("x.txt"));
        var delete = await Assert.ThrowsAsync<StorageException>(() => provider.DeleteAsync("x.txt"));

        Assert.All(new[] { list, stat, delete }, e => Assert.Equal(StorageErrorKind.NotFound, e.Kind));
        Assert.Contains("container", list.Message);
        Assert.Contains("ContainerNotFound", stat.Message);
    }

    [Fact]
    public async Task A_service_that_does_not_answer_fails_as_Transient_and_is_retried_a_bounded_number_of_times()
    {
        await AssertUnansweredCallsAreTransientAndRetriedBoundedlyAsync(Provider(o => o with { Endpoint = new Uri("http://127.0.0.1:1/devstoreaccount1") }));
    }

    internal static void AssertNoSecret(Exception e, string secret)
    {
        var texts = new List<string> { e.Message, e.ToString() };
        for (var x = e.InnerException; x is not null; x = x.InnerException) texts.Add(x.Message);
        foreach (var text in texts)
        {
            Assert.DoesNotContain(secret, text);
            Assert.DoesNotContain(Uri.EscapeDataString(secret), text);
            if (secret.Contains("sig="))
            {
                var sig = secret[(secret.IndexOf("sig=", StringComparison.Ordinal) + 4)..].Split('&')[0];
                Assert.DoesNotContain(sig, text);
                Assert.DoesNotContain(Uri.UnescapeDataString(sig), text);
            }
        }
    }

    // ---------------------------------------------------------------- addresses

    [Fact]
    public async Task Az_URIs_resolve_through_the_registry_with_the_connection_string_from_the_environment()
    {
        var environment = new Dictionary<string, string> { ["AZURE_STORAGE_CONNECTION_STRING"] = emulator.ConnectionString };
        var registry = new ProviderRegistry();
        ProviderPack.RegisterAll(registry);
        registry.RegisterFactory(new AzureBlobProviderFactory(environment: n => environment.GetValueOrDefault(n)));
        var engine = new TransferEngine();

        var location = registry.Resolve($"az://{emulator.Account}/{_container}/via/uri.txt");
        await engine.UploadAsync(new MemoryStream("by address"u8.ToArray()), null, location, new CopyRequest());

        Assert.Equal($"az://{emulator.Account}/{_container}/via/uri.txt", location.Uri);
        Assert.Equal("by address"u8.ToArray(), await engine.ReadAllBytesAsync(location, 1000));
        var azure = Assert.IsType<AzureBlobStorageProvider>(((ResilientStorageProvider)location.Provider).Inner);
        Assert.Equal(emulator.Endpoint, azure.Options.EffectiveEndpoint);
        Assert.Equal("SharedKey", azure.Options.Credential!.Kind);
    }

    [Fact]
    public async Task A_named_provider_takes_its_endpoint_from_the_registration_and_the_key_from_the_environment_and_stays_under_its_prefix()
    {
        var environment = new Dictionary<string, string> { ["AZURE_STORAGE_ACCOUNT"] = emulator.Account, ["AZURE_STORAGE_KEY"] = emulator.Key };
        var registry = new ProviderRegistry();
        registry.RegisterFactory(new AzureBlobProviderFactory(environment: n => environment.GetValueOrDefault(n)));
        registry.Register("backup", $"az://{emulator.Account}/{_container}/backups/", new Dictionary<string, string>
        {
            ["endpoint"] = emulator.Endpoint.ToString(),
            ["auth"] = "key",
            ["block-size"] = "1MiB",
        });
        await AssertNamedProviderWritesUnderItsPrefixAndPresignsAsync(registry, "backup:daily/db.dump", Provider(), "backups/daily/db.dump");
    }
}
