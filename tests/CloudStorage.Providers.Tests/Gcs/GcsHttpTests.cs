using System.Net;
using CloudStorage.Core.Errors;
using CloudStorage.Core.Model;
using CloudStorage.Providers.Gcs;
using CloudStorage.Providers.Resilience;
using CloudStorage.Providers.Tests.Emulator;
using CloudStorage.Providers.Tests.Support;
using Google;
using Google.Apis.Auth.OAuth2;
using Google.Apis.Auth.OAuth2.Responses;
using Google.Apis.Http;
using Google.Apis.Requests;
using Google.Apis.Util;

namespace CloudStorage.Providers.Tests.Gcs;

/// <summary>
/// Error mapping, retries (ours only: the SDK's are off), token handling, listing, uploads and rewrite loops of the
/// GCS provider on the SDK, driven by a scripted HTTP handler under the SDK's HTTP client (no network): what the
/// emulator cannot be made to do.
/// </summary>
public sealed class GcsHttpTests
{
    private const string ObjectJson = """{"kind":"storage#object","name":"k.txt","bucket":"b","generation":"1","metageneration":"1","size":"5","md5Hash":"XUFAKrxLKna5cZ2REBfFkg==","crc32c":"mnG7TA==","etag":"CAE=","updated":"2024-01-02T03:04:05.678Z","contentType":"text/plain"}""";
    private const string Token = "ya29.SECRET-ACCESS-TOKEN-never-printed";

    private static (ResilientStorageProvider Provider, GcsStorageProvider Inner, InstantTimeProvider Clock) Create(GcsScriptedHandler handler, GoogleCredential? credential = null)
    {
        var clock = new InstantTimeProvider();
        var options = new GcsProviderOptions
        {
            Bucket = "b",
            HttpHandler = handler,
            RequestRetry = null,
            SimpleUploadThreshold = 256 * 1024,
            ChunkSize = GcsProviderOptions.ChunkGranularity,
        };
        options = credential is null ? options with { EmulatorHost = "http://gcs.test" } : options with { Endpoint = new Uri("http://gcs.test"), Credential = credential };
        var inner = new GcsStorageProvider(options);
        return (new ResilientStorageProvider(inner, new StorageResilienceOptions { TimeProvider = clock, MaxRetryAttempts = 3 }), inner, clock);
    }

    [Fact]
    public async Task A_429_with_Retry_After_is_Throttled_and_retried_after_the_servers_delay()
    {
        var handler = new GcsScriptedHandler()
            .Then(HttpStatusCode.TooManyRequests, GcsScriptedHandler.Error(429, "rateLimitExceeded", "slow down"), ("Retry-After", "7"))
            .Then(HttpStatusCode.OK, ObjectJson);
        var (provider, _, clock) = Create(handler);

        var item = await provider.StatAsync("k.txt");

        Assert.Equal(5, item!.Size);
        Assert.Equal(2, handler.Requests.Count);
        Assert.Equal([TimeSpan.FromSeconds(7)], clock.Delays);
    }

    [Theory]
    [InlineData(HttpStatusCode.ServiceUnavailable)]
    [InlineData(HttpStatusCode.InternalServerError)]
    [InlineData(HttpStatusCode.BadGateway)]
    [InlineData(HttpStatusCode.GatewayTimeout)]
    [InlineData(HttpStatusCode.RequestTimeout)]
    public async Task Server_errors_are_Transient_and_retried_until_success(HttpStatusCode status)
    {
        var handler = new GcsScriptedHandler()
            .Then(status, GcsScriptedHandler.Error((int)status, "backendError", "try again"))
            .Then(status, "")
            .Then(HttpStatusCode.OK, ObjectJson);
        var (provider, _, clock) = Create(handler);

        Assert.NotNull(await provider.StatAsync("k.txt"));
        Assert.Equal(3, handler.Requests.Count);
        Assert.Equal(2, clock.Delays.Count);
    }

    [Fact]
    public async Task Persistent_503s_fail_as_Transient_after_the_bounded_retries()
    {
        var handler = new GcsScriptedHandler();
        for (var i = 0; i < 10; i++) handler.Then(HttpStatusCode.ServiceUnavailable, GcsScriptedHandler.Error(503, "backendError", "unavailable"));
        var (provider, _, _) = Create(handler);

        var e = await Assert.ThrowsAsync<StorageException>(() => provider.DeleteAsync("k.txt"));

        Assert.Equal(StorageErrorKind.Transient, e.Kind);
        Assert.Equal(4, handler.Requests.Count);
        Assert.Contains("gs://b/k.txt", e.Message);
    }

    [Theory]
    [InlineData(HttpStatusCode.Forbidden)]
    [InlineData(HttpStatusCode.Unauthorized)]
    public async Task Denied_requests_are_PermissionDenied_never_retried_and_never_show_the_token(HttpStatusCode status)
    {
        var handler = new GcsScriptedHandler()
            .Then(status, GcsScriptedHandler.Error((int)status, "forbidden", "caller does not have storage.objects.get access"));
        var (provider, _, clock) = Create(handler, GoogleCredential.FromAccessToken(Token));

        var e = await Assert.ThrowsAsync<StorageException>(() => provider.StatAsync("k.txt"));

        Assert.Equal(StorageErrorKind.PermissionDenied, e.Kind);
        Assert.False(e.IsTransient);
        Assert.Single(handler.Requests);
        Assert.Empty(clock.Delays);
        Assert.Equal("Bearer " + Token, handler.Requests.Single().Authorization);
        Assert.DoesNotContain(Token, e.ToString());
        Assert.Contains("storage.objects.get", e.Message);
    }

    [Fact]
    public async Task A_dropped_connection_is_Transient_and_its_message_shows_no_token()
    {
        var handler = new GcsScriptedHandler()
            .Then(_ => throw new HttpRequestException("connection reset by peer"))
            .Then(HttpStatusCode.OK, ObjectJson);
        var (provider, _, _) = Create(handler, GoogleCredential.FromAccessToken(Token));

        Assert.NotNull(await provider.StatAsync("k.txt"));

        var (failing, _, _) = Create(new GcsScriptedHandler().Then(_ => throw new HttpRequestException("reset")), GoogleCredential.FromAccessToken(Token));
        var inner = ((GcsStorageProvider)failing.Inner);
        var e = await Assert.ThrowsAsync<StorageException>(() => inner.StatAsync("k.txt"));
        Assert.Equal(StorageErrorKind.Transient, e.Kind);
        Assert.DoesNotContain(Token, e.ToString());
    }

    [Theory]
    [InlineData(404, "notFound", "No such object: b/k.txt", StorageErrorKind.NotFound, false)]
    [InlineData(412, "conditionNotMet", "At least one of the pre-conditions you specified did not hold.", StorageErrorKind.Conflict, false)]
    [InlineData(409, "conflict", "conflict", StorageErrorKind.Conflict, false)]
    [InlineData(429, "rateLimitExceeded", "slow", StorageErrorKind.Throttled, true)]
    [InlineData(500, "backendError", "oops", StorageErrorKind.Transient, true)]
    [InlineData(501, "notImplemented", "compose", StorageErrorKind.Unsupported, false)]
    [InlineData(403, "forbidden", "denied", StorageErrorKind.PermissionDenied, false)]
    [InlineData(400, "invalid", "Provided MD5 hash \"abc\" doesn't match calculated MD5 hash \"def\".", StorageErrorKind.IntegrityFailure, false)]
    [InlineData(400, "invalid", "Invalid argument.", StorageErrorKind.InvalidArgument, false)]
    public void The_SDKs_errors_map_to_the_engines_error_kinds(int status, string reason, string message, StorageErrorKind kind, bool transient)
    {
        var error = new GoogleApiException("storage", message)
        {
            HttpStatusCode = (HttpStatusCode)status,
            Error = new RequestError { Code = status, Message = message, Errors = [new SingleError { Reason = reason, Message = message }] },
        };

        var e = GcsErrorMapper.Map(error, "gs://b/k.txt", "gs://b", CancellationToken.None)!;

        Assert.Equal(kind, e.Kind);
        Assert.Equal(transient, e.IsTransient);
        Assert.Contains("gs://b/k.txt", e.Message);
        Assert.Contains(reason, e.Message);
        Assert.Same(error, e.InnerException);
    }

    public static TheoryData<Exception, StorageErrorKind, bool> TransportFailures() => new()
    {
        { new TokenResponseException(new TokenErrorResponse { Error = "invalid_grant", ErrorDescription = "Invalid JWT Signature." }, HttpStatusCode.BadRequest), StorageErrorKind.PermissionDenied, false },
        { new TokenResponseException(new TokenErrorResponse { Error = "internal_failure" }, HttpStatusCode.ServiceUnavailable), StorageErrorKind.Transient, true },
        { new Newtonsoft.Json.JsonReaderException("Unexpected end when reading JSON."), StorageErrorKind.Transient, true },
        { new System.Text.Json.JsonException("'<' is an invalid start of a value."), StorageErrorKind.Transient, true },
        { new IOException("Unable to read data from the transport connection."), StorageErrorKind.Transient, true },
        { new HttpRequestException("Connection refused"), StorageErrorKind.Transient, true },
        { new TaskCanceledException("The request was canceled due to the configured HttpClient.Timeout."), StorageErrorKind.Transient, true },
        { new CloudStorage.Providers.Common.HttpTimeoutException("No answer from http://gcs.test for 20 s (read-timeout)."), StorageErrorKind.Transient, true },
    };

    [Theory]
    [MemberData(nameof(TransportFailures))]
    public void Token_JSON_IO_and_timeout_failures_map_to_kinds_and_only_the_curable_ones_are_transient(Exception error, StorageErrorKind kind, bool transient)
    {
        var e = GcsErrorMapper.Map(error, "gs://b/k.txt", "gs://b", CancellationToken.None)!;

        Assert.Equal(kind, e.Kind);
        Assert.Equal(transient, e.IsTransient);
        Assert.Contains("gs://b/k.txt", e.Message);
    }

    [Fact]
    public void The_callers_own_cancellation_passes_unchanged()
    {
        using var cts = new CancellationTokenSource();
        cts.Cancel();

        Assert.Null(GcsErrorMapper.Map(new OperationCanceledException(cts.Token), "gs://b/k.txt", "gs://b", cts.Token));
    }

    [Fact]
    public async Task A_small_upload_is_one_multipart_request_carrying_md5Hash_and_crc32c_for_the_service_to_verify()
    {
        var data = "hello"u8.ToArray();
        string? multipart = null;
        var handler = new GcsScriptedHandler()
            .Then(r => { multipart = r.Content!.ReadAsStringAsync().Result; return GcsScriptedHandler.Response(HttpStatusCode.OK, ObjectJson); });
        var (_, inner, _) = Create(handler);
        var all = Enum.GetValues<HashAlgorithmKind>().Select(a => ContentHash.Compute(a, data)).ToList();

        await inner.WriteAsync("k.txt", new MemoryStream(data), new WriteOptions { ExpectedHashes = all, ContentType = "text/plain" });

        var request = Assert.Single(handler.Requests);
        Assert.Equal("/upload/storage/v1/b/b/o", request.Url.AbsolutePath);
        Assert.Contains("uploadType=multipart", request.Url.Query);
        Assert.Contains($"\"md5Hash\":\"{all[(int)HashAlgorithmKind.MD5].Base64}\"", multipart);
        Assert.Contains($"\"crc32c\":\"{ContentHash.Compute(HashAlgorithmKind.CRC32C, data).Base64}\"", multipart);
        Assert.DoesNotContain(ContentHash.Compute(HashAlgorithmKind.SHA256, data).Base64, multipart);
        Assert.Contains("hello", multipart);
    }

    [Fact]
    public async Task An_upload_ends_with_X_Goog_Hash_of_the_bytes_read_and_a_stored_object_with_other_hashes_is_an_IntegrityFailure()
    {
        string? finalHash = null;
        string? finalRange = null;
        var resumable = new GcsScriptedHandler()
            .Then(HttpStatusCode.OK, "", ("Location", "http://gcs.test/upload/storage/v1/b/b/o?uploadType=resumable&upload_id=s1"))
            .Then((HttpStatusCode)308, "", ("Range", "bytes=0-262143"))
            .Then(r =>
            {
                finalHash = r.Headers.TryGetValues("X-Goog-Hash", out var v) ? string.Join(",", v) : null;
                finalRange = r.Content?.Headers.TryGetValues("Content-Range", out var c) == true ? c.Single() : null;
                return GcsScriptedHandler.Response(HttpStatusCode.OK, ObjectJson);
            });
        var (_, chunked, _) = Create(resumable);
        var big = new byte[300 * 1024];

        var e = await Assert.ThrowsAsync<StorageException>(() => chunked.WriteAsync("k.txt", new MemoryStream(big), new WriteOptions()));

        // The scripted object's hashes are not those of the bytes sent: the upload reports it instead of trusting it.
        Assert.Equal(StorageErrorKind.IntegrityFailure, e.Kind);
        Assert.Equal($"md5={ContentHash.Compute(HashAlgorithmKind.MD5, big).Base64},crc32c={ContentHash.Compute(HashAlgorithmKind.CRC32C, big).Base64}", finalHash);
        Assert.Equal($"bytes 262144-{big.Length - 1}/{big.Length}", finalRange);
        Assert.Contains("uploadType=resumable", resumable.Requests.First().Url.Query);
    }

    [Fact]
    public async Task An_expected_hash_that_does_not_match_stops_the_upload_before_the_chunk_that_commits()
    {
        var handler = new GcsScriptedHandler()
            .Then(HttpStatusCode.OK, "", ("Location", "http://gcs.test/upload/storage/v1/b/b/o?uploadType=resumable&upload_id=s2"))
            .Then((HttpStatusCode)308, "", ("Range", "bytes=0-262143"))
            .Then(HttpStatusCode.OK, "");
        var (_, inner, _) = Create(handler);
        var data = new byte[300 * 1024];

        var e = await Assert.ThrowsAsync<StorageException>(() => inner.WriteAsync("k.txt", new MemoryStream(data),
            new WriteOptions { ExpectedHashes = [ContentHash.Compute(HashAlgorithmKind.MD5, "other"u8)] }));

        Assert.Equal(StorageErrorKind.IntegrityFailure, e.Kind);
        // Start, the first chunk, then no commit: the session is cancelled instead (DELETE).
        Assert.Equal(["POST", "PUT", "DELETE"], handler.Requests.Select(r => r.Method));
    }

    [Fact]
    public async Task Reading_a_missing_object_is_NotFound_and_stat_is_null()
    {
        var handler = new GcsScriptedHandler()
            .Then(HttpStatusCode.NotFound, GcsScriptedHandler.Error(404, "notFound", "No such object: b/gone.txt"))
            .Then(HttpStatusCode.NotFound, "No such object: b/gone.txt");
        var (_, inner, _) = Create(handler);

        Assert.Null(await inner.StatAsync("gone.txt"));
        var e = await Assert.ThrowsAsync<StorageException>(() => inner.OpenReadAsync("gone.txt"));
        Assert.Equal(StorageErrorKind.NotFound, e.Kind);
        Assert.Contains("gone.txt", e.Message);
    }

    [Fact]
    public async Task A_missing_bucket_is_NotFound_rather_than_a_missing_object()
    {
        var handler = new GcsScriptedHandler().Then(HttpStatusCode.NotFound, GcsScriptedHandler.Error(404, "notFound", "The specified bucket does not exist."));
        var (_, inner, _) = Create(handler);

        var e = await Assert.ThrowsAsync<StorageException>(() => inner.StatAsync("k.txt"));
        Assert.Equal(StorageErrorKind.NotFound, e.Kind);
        Assert.Contains("bucket", e.Message);
    }

    [Fact]
    public async Task Listing_merges_each_page_and_yields_a_prefix_repeated_on_the_next_page_once()
    {
        var handler = new GcsScriptedHandler()
            .Then(HttpStatusCode.OK, """{"items":[{"name":"p/a.txt","size":"1"}],"prefixes":["p/b/"],"nextPageToken":"t1"}""")
            .Then(HttpStatusCode.OK, """{"prefixes":["p/b/","p/d/"],"items":[{"name":"p/c.txt","size":"2"}],"nextPageToken":"t2"}""")
            .Then(HttpStatusCode.OK, """{"prefixes":["p/d/"]}""");
        var (_, inner, _) = Create(handler);

        var items = new List<StorageItem>();
        await foreach (var item in inner.ListAsync(new ListRequest { Prefix = "p/", Delimiter = "/", PageSize = 2 })) items.Add(item);

        Assert.Equal(["p/a.txt", "p/b/", "p/c.txt", "p/d/"], items.Select(i => i.Key));
        Assert.Equal([false, true, false, true], items.Select(i => i.IsPrefix));
        var urls = handler.Requests.Select(r => r.Url.Query).ToList();
        Assert.Contains("maxResults=2", urls[0]);
        Assert.Contains("delimiter=%2F", urls[0]);
        Assert.DoesNotContain("pageToken", urls[0]);
        Assert.Contains("pageToken=t1", urls[1]);
        Assert.Contains("pageToken=t2", urls[2]);
    }

    [Fact]
    public async Task Listing_fetches_the_next_page_only_when_enumeration_reaches_it()
    {
        var handler = new GcsScriptedHandler()
            .Then(HttpStatusCode.OK, """{"items":[{"name":"a"},{"name":"b"}],"nextPageToken":"t1"}""")
            .Then(HttpStatusCode.OK, """{"items":[{"name":"c"}]}""");
        var (_, inner, _) = Create(handler);

        await foreach (var item in inner.ListAsync(new ListRequest { PageSize = 2 }))
            if (item.Key == "b") break;

        Assert.Single(handler.Requests);
    }

    [Fact]
    public async Task Server_side_copy_loops_on_the_rewrite_token_until_done()
    {
        var handler = new GcsScriptedHandler()
            .Then(HttpStatusCode.OK, """{"kind":"storage#rewriteResponse","totalBytesRewritten":"1048576","objectSize":"3145728","done":false,"rewriteToken":"tok-1"}""")
            .Then(HttpStatusCode.OK, """{"kind":"storage#rewriteResponse","totalBytesRewritten":"2097152","objectSize":"3145728","done":false,"rewriteToken":"tok-2"}""")
            .Then(HttpStatusCode.OK, "{\"kind\":\"storage#rewriteResponse\",\"done\":true,\"resource\":" + ObjectJson.Replace("\"k.txt\"", "\"dst.txt\"") + "}");
        var (_, inner, _) = Create(handler);

        var copied = await inner.CopyFromAsync(inner, "src dir/a.txt", "dst.txt", new WriteOptions());

        Assert.Equal("gs://b/dst.txt", copied.Uri);
        Assert.Equal(3, handler.Requests.Count);
        var urls = handler.Requests.Select(r => r.Url.OriginalString).ToList();
        Assert.All(urls, u => Assert.Contains("/storage/v1/b/b/o/src%20dir%2Fa.txt/rewriteTo/b/b/o/dst.txt", u));
        Assert.DoesNotContain("rewriteToken", urls[0]);
        Assert.Contains("rewriteToken=tok-1", urls[1]);
        Assert.Contains("rewriteToken=tok-2", urls[2]);
    }

    [Fact]
    public async Task Access_tokens_are_refreshed_before_they_expire()
    {
        var clock = new ManualClock(DateTime.UtcNow);
        var tokens = 0;
        var tokenServer = new GcsScriptedHandler();
        for (var i = 0; i < 5; i++)
            tokenServer.Then(_ => GcsScriptedHandler.Response(HttpStatusCode.OK,
                $$"""{"access_token":"token-{{Interlocked.Increment(ref tokens)}}","expires_in":3600,"token_type":"Bearer"}"""));
        var pem = System.Text.Json.JsonDocument.Parse(File.ReadAllText(TestData.Path("gcs-v4-signing", "test_service_account.json")))
            .RootElement.GetProperty("private_key").GetString()!;
        var credential = GoogleCredential.FromServiceAccountCredential(new ServiceAccountCredential(
            new ServiceAccountCredential.Initializer("sa@example.iam.gserviceaccount.com", "http://token.test/token")
            {
                Clock = clock,
                HttpClientFactory = new HandlerFactory(tokenServer),
            }.FromPrivateKey(pem)));
        var api = new GcsScriptedHandler();
        for (var i = 0; i < 4; i++) api.Then(HttpStatusCode.OK, ObjectJson);
        var (_, inner, _) = Create(api, credential);

        await inner.StatAsync("k.txt");
        clock.UtcNow = clock.UtcNow.AddMinutes(30);
        await inner.StatAsync("k.txt");
        // Two minutes before the hour-long token expires: the library refreshes it (in the background when the
        // old one is still usable); the next request, still before expiry, carries the new token.
        clock.UtcNow = clock.UtcNow.AddMinutes(28);
        await inner.StatAsync("k.txt");
        for (var i = 0; i < 100 && Volatile.Read(ref tokens) < 2; i++) await Task.Delay(50);
        // The token server has answered; give the background refresh a moment to store what it got.
        await Task.Delay(500);
        await inner.StatAsync("k.txt");

        var seen = api.Requests.Select(r => r.Authorization).ToList();
        Assert.Equal(["Bearer token-1", "Bearer token-1"], seen[..2]);
        Assert.Equal("Bearer token-2", seen[3]);
        Assert.Equal(2, tokens);
    }

    private sealed class ManualClock(DateTime utcNow) : IClock
    {
        public DateTime UtcNow { get; set; } = utcNow;
        public DateTime Now => UtcNow.ToLocalTime();
    }

    private sealed class HandlerFactory(HttpMessageHandler handler) : HttpClientFactory
    {
        protected override HttpMessageHandler CreateHandler(CreateHttpClientArgs args) => handler;
    }
}
