using System.Net;
using System.Security.Cryptography;
using System.Text;
using Azure.Core;
using Azure.Core.Pipeline;
using CloudStorage.Core.Errors;
using CloudStorage.Core.Model;
using CloudStorage.Providers.Azure;
using CloudStorage.Providers.Resilience;
using CloudStorage.Providers.Tests.Support;

namespace CloudStorage.Providers.Tests.Azure;

// The provider on the SDK against a scripted Blob service (an HttpClient transport plugged into the SDK, no network):
// one retry layer (ours: ServerBusy with Retry-After, 5xx bounded, authorization failures never), blocks retried on
// their own and committed with the whole-blob MD5, SharedKey signing of odd names, bearer tokens and user-delegation SAS.
public sealed class AzureScriptedServiceTests
{
    private const string Account = "acct";
    private static readonly string Key = Convert.ToBase64String(Encoding.ASCII.GetBytes("not-a-real-key-but-a-test-key-of-some-length"));

    private static AzureBlobStorageProvider Provider(ScriptedHttpHandler handler, AzureStorageCredential? credential = null,
        Func<AzureBlobProviderOptions, AzureBlobProviderOptions>? configure = null)
    {
        var options = new AzureBlobProviderOptions
        {
            Account = Account,
            Container = "box",
            Credential = credential ?? AzureStorageCredential.SharedKey(Account, Key),
            Transport = new HttpClientTransport(new HttpClient(handler)),
            PartRetry = new StorageResilienceOptions { TimeProvider = new InstantTimeProvider() },
        };
        return new AzureBlobStorageProvider(configure is null ? options : configure(options));
    }

    private static HttpResponseMessage Head(long length = 3, string md5 = "rL0Y20zC+Fzt72VPzMSk2A==") =>
        ScriptedHttpHandler.Answer(HttpStatusCode.OK, null, ("ETag", "\"0x1\""), ("Last-Modified", "Wed, 01 Jan 2025 00:00:00 GMT"),
            ("Content-Length", length.ToString()), ("Content-MD5", md5), ("x-ms-meta-Owner", "alice"));

    [Fact]
    public async Task ServerBusy_with_Retry_After_is_Throttled_and_retried_after_the_delay_the_service_asked_for()
    {
        var clock = new InstantTimeProvider();
        var handler = new ScriptedHttpHandler()
            .Then(HttpStatusCode.ServiceUnavailable, "ServerBusy", ("Retry-After", "7"))
            .Then(_ => Head());
        var errors = new List<StorageException>();
        var provider = new ResilientStorageProvider(Provider(handler),
            new StorageResilienceOptions { TimeProvider = clock, OnRetry = e => errors.Add(e.Error) });

        var item = await provider.StatAsync("x.txt");

        Assert.Equal(3, item!.Size);
        Assert.Equal("alice", item.Metadata["owner"]);
        Assert.Equal(TimeSpan.FromSeconds(7), Assert.Single(clock.Delays));
        var error = Assert.Single(errors);
        Assert.Equal(StorageErrorKind.Throttled, error.Kind);
        Assert.Equal(TimeSpan.FromSeconds(7), error.RetryAfter);
        Assert.Equal(2, handler.Requests.Count);
    }

    [Fact]
    public async Task Server_errors_are_Transient_and_retried_a_bounded_number_of_times()
    {
        var clock = new InstantTimeProvider();
        var handler = new ScriptedHttpHandler()
            .Then(HttpStatusCode.InternalServerError, "InternalError")
            .Then(HttpStatusCode.InternalServerError, "InternalError")
            .Then(HttpStatusCode.InternalServerError, "InternalError");
        var provider = new ResilientStorageProvider(Provider(handler), new StorageResilienceOptions { MaxRetryAttempts = 2, TimeProvider = clock });

        var e = await Assert.ThrowsAsync<StorageException>(() => provider.DeleteAsync("x.txt"));

        Assert.Equal(StorageErrorKind.Transient, e.Kind);
        Assert.Contains("InternalError", e.Message);
        Assert.Equal(3, handler.Requests.Count);
        Assert.Equal(2, clock.Delays.Count);
    }

    [Theory]
    [InlineData("AuthorizationFailure")]
    [InlineData("AuthenticationFailed")]
    [InlineData("AuthorizationPermissionMismatch")]
    public async Task Authorization_failures_are_PermissionDenied_never_retried_and_never_echo_what_the_service_signed(string code)
    {
        var clock = new InstantTimeProvider();
        var echoedSignature = "c2lnbmF0dXJlLXRoYXQtbXVzdC1ub3Qtc2hvdw==";
        var handler = new ScriptedHttpHandler().Then(_ =>
        {
            var response = ScriptedHttpHandler.Answer(HttpStatusCode.Forbidden, code);
            response.Content = new StringContent($"<?xml version=\"1.0\"?><Error><Code>{code}</Code><Message>Server failed to authenticate the request. " +
                $"sig={echoedSignature}\nRequestId:1</Message><AuthenticationErrorDetail>The MAC signature found in the HTTP request '{echoedSignature}' " +
                "is not the same as any computed signature.</AuthenticationErrorDetail></Error>");
            return response;
        });
        var provider = new ResilientStorageProvider(Provider(handler), new StorageResilienceOptions { TimeProvider = clock });

        var e = await Assert.ThrowsAsync<StorageException>(() => provider.OpenReadAsync("x.txt"));

        Assert.Equal(StorageErrorKind.PermissionDenied, e.Kind);
        Assert.False(e.IsTransient);
        Assert.Contains(code, e.Message);
        Assert.Single(handler.Requests);
        Assert.Empty(clock.Delays);
        AzureProviderTests.AssertNoSecret(e, echoedSignature);
        AzureProviderTests.AssertNoSecret(e, Key);
    }

    [Fact]
    public async Task A_block_that_fails_transiently_is_retried_alone_and_the_blob_is_committed_with_its_MD5()
    {
        var failedOnce = 0;
        var blockBodies = new List<byte[]>();
        string? blockList = null;
        string? committedMd5 = null;
        var handler = new ScriptedHttpHandler();
        for (var i = 0; i < 10; i++)
            handler.Then(request =>
            {
                var query = request.RequestUri!.Query;
                if (query.Contains("comp=block&") && Interlocked.Exchange(ref failedOnce, 1) == 0)
                    return ScriptedHttpHandler.Answer(HttpStatusCode.InternalServerError, "InternalError");
                if (query.Contains("comp=block&"))
                {
                    lock (blockBodies) blockBodies.Add(request.Content!.ReadAsByteArrayAsync().Result);
                    return ScriptedHttpHandler.Answer(HttpStatusCode.Created);
                }
                if (query.Contains("comp=blocklist"))
                {
                    blockList = request.Content!.ReadAsStringAsync().Result;
                    committedMd5 = request.Headers.GetValues("x-ms-blob-content-md5").Single();
                    return ScriptedHttpHandler.Answer(HttpStatusCode.Created);
                }
                return Head(3 * 70_000);
            });
        var provider = Provider(handler, configure: o => o with { BlockSize = 64 * 1024, SingleUploadThreshold = 64 * 1024, Concurrency = 1 });
        var data = new byte[3 * 70_000];
        new Random(3).NextBytes(data);

        var (_, upload) = await provider.WriteWithStatisticsAsync("blocks.bin", new MemoryStream(data), new WriteOptions { Length = data.Length });

        Assert.Equal(4, upload.Parts);
        Assert.Equal(4, blockBodies.Count);
        Assert.Equal(4, System.Text.RegularExpressions.Regex.Matches(blockList!, "<Latest>").Count);
        Assert.Equal(Convert.ToBase64String(MD5.HashData(data)), committedMd5);
    }

    // ---------------------------------------------------------------- the Put Blob answer instead of a stat

    private static readonly byte[] Small = Encoding.ASCII.GetBytes("small object");

    private static HttpResponseMessage PutAnswer(byte[] storedMd5) =>
        ScriptedHttpHandler.Answer(HttpStatusCode.Created, null, ("ETag", "\"0x8DC1\""), ("Last-Modified", "Wed, 01 Jan 2025 00:00:07 GMT"),
            ("Content-MD5", Convert.ToBase64String(storedMd5)));

    private static HttpResponseMessage HeadAfterPut(byte[] storedMd5, long length, params (string Name, string Value)[] more) =>
        ScriptedHttpHandler.Answer(HttpStatusCode.OK, null, [("ETag", "\"0x8DC1\""), ("Last-Modified", "Wed, 01 Jan 2025 00:00:07 GMT"),
            ("Content-Length", length.ToString()), ("Content-MD5", Convert.ToBase64String(storedMd5)), ("Content-Type", "text/plain"),
            ("x-ms-meta-Owner", "alice"), .. more]);

    private static WriteOptions SmallWrite(string? tier = null) =>
        new() { Length = Small.Length, ContentType = "text/plain", Metadata = new Dictionary<string, string> { ["Owner"] = "alice" }, StorageClass = tier };

    [Fact]
    public async Task A_small_write_whose_answer_carries_the_MD5_sent_is_one_Put_Blob_and_no_stat_and_reports_what_a_stat_would()
    {
        var md5 = MD5.HashData(Small);
        var handler = new ScriptedHttpHandler().Then(_ => PutAnswer(md5)).Then(_ => HeadAfterPut(md5, Small.Length, ("x-ms-access-tier", "Cool")));
        var provider = Provider(handler);

        var written = await provider.WriteAsync("small.txt", new MemoryStream(Small), SmallWrite("cool"));

        var put = Assert.Single(handler.Requests);
        Assert.Equal(HttpMethod.Put, put.Method);
        var stat = await provider.StatAsync("small.txt");
        Assert.Equal(HttpMethod.Head, handler.Requests.Last().Method);
        Assert.Equal(stat!.Size, written.Size);
        Assert.Equal(stat.ETag, written.ETag);
        Assert.Equal(stat.LastModified, written.LastModified);
        Assert.Equal(stat.ContentType, written.ContentType);
        Assert.Equal(stat.StorageClass, written.StorageClass);
        Assert.Equal(stat.Metadata, written.Metadata);
        Assert.Equal(stat.Hashes, written.Hashes);
        Assert.Equal(new ContentHash(HashAlgorithmKind.MD5, md5), Assert.Single(written.Hashes));
    }

    [Fact]
    public async Task Without_a_tier_the_first_small_write_stats_to_learn_the_inferred_default_and_later_ones_do_not()
    {
        var md5 = MD5.HashData(Small);
        var handler = new ScriptedHttpHandler()
            .Then(_ => PutAnswer(md5))
            .Then(_ => HeadAfterPut(md5, Small.Length, ("x-ms-access-tier", "Hot"), ("x-ms-access-tier-inferred", "true")))
            .Then(_ => PutAnswer(md5));
        var provider = Provider(handler);

        var first = await provider.WriteAsync("a.txt", new MemoryStream(Small), SmallWrite());
        var second = await provider.WriteAsync("b.txt", new MemoryStream(Small), SmallWrite());

        Assert.Equal([HttpMethod.Put, HttpMethod.Head, HttpMethod.Put], handler.Requests.Select(r => r.Method));
        Assert.Equal("Hot", first.StorageClass);
        Assert.Equal("Hot", second.StorageClass);
        Assert.Equal(first.Metadata, second.Metadata);
    }

    [Fact]
    public async Task A_small_write_whose_answer_carries_another_MD5_is_stated_and_reports_the_stored_MD5_for_the_engine_to_refuse()
    {
        var sent = MD5.HashData(Small);
        var stored = MD5.HashData(Encoding.ASCII.GetBytes("other bytes!"));
        var handler = new ScriptedHttpHandler().Then(_ => PutAnswer(stored)).Then(_ => HeadAfterPut(stored, Small.Length, ("x-ms-access-tier", "Cool")));
        var provider = Provider(handler);

        var written = await provider.WriteAsync("small.txt", new MemoryStream(Small), SmallWrite("cool"));

        Assert.Equal([HttpMethod.Put, HttpMethod.Head], handler.Requests.Select(r => r.Method));
        Assert.Equal(new ContentHash(HashAlgorithmKind.MD5, stored), Assert.Single(written.Hashes));
        Assert.NotEqual(new ContentHash(HashAlgorithmKind.MD5, sent), Assert.Single(written.Hashes));
    }

    [Fact]
    public async Task A_block_refused_for_authorization_stops_the_upload_without_committing_anything()
    {
        var handler = new ScriptedHttpHandler();
        for (var i = 0; i < 10; i++) handler.Then(HttpStatusCode.Forbidden, "AuthorizationFailure");
        var provider = Provider(handler, configure: o => o with { BlockSize = 64 * 1024, SingleUploadThreshold = 64 * 1024, Concurrency = 2 });

        var e = await Assert.ThrowsAsync<StorageException>(() =>
            provider.WriteAsync("blocks.bin", new MemoryStream(new byte[300_000]), new WriteOptions { Length = 300_000 }));

        Assert.Equal(StorageErrorKind.PermissionDenied, e.Kind);
        Assert.DoesNotContain(handler.Requests, r => r.RequestUri!.Query.Contains("comp=blocklist"));
        Assert.InRange(handler.Requests.Count, 1, 3); // the blocks already on their way, no retries
    }

    [Fact]
    public async Task SharedKey_requests_with_odd_names_are_signed_with_a_fresh_date_and_the_pinned_version_and_name_the_blob_exactly()
    {
        var handler = new ScriptedHttpHandler().Then(_ => Head());
        var provider = Provider(handler);
        const string key = "dir with space/a+b#c?d%e\u00e9&x=1.txt";

        await provider.StatAsync(key);

        var request = Assert.Single(handler.Requests);
        // Whatever the SDK escapes, the path names exactly this blob: '#', '?', '%' and '&' cannot leak into the URL's syntax.
        Assert.Equal("/box/" + key, Uri.UnescapeDataString(request.RequestUri!.AbsolutePath));
        Assert.DoesNotContain("x=1", request.RequestUri.Query);
        Assert.Equal("https://acct.blob.core.windows.net", request.RequestUri.GetLeftPart(UriPartial.Authority));
        Assert.StartsWith($"SharedKey {Account}:", request.Headers.Authorization!.Scheme + " " + request.Headers.Authorization.Parameter);
        Assert.Equal("2024-11-04", request.Headers.GetValues("x-ms-version").Single());
        Assert.InRange(DateTimeOffset.Parse(request.Headers.GetValues("x-ms-date").Single()), DateTimeOffset.UtcNow.AddMinutes(-1), DateTimeOffset.UtcNow.AddMinutes(1));
    }

    // ---------------------------------------------------------------- Entra ID

    private sealed class FakeTokenCredential : TokenCredential
    {
        public int Calls;
        public override AccessToken GetToken(TokenRequestContext requestContext, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref Calls);
            Assert.Equal(["https://storage.azure.com/.default"], requestContext.Scopes);
            return new AccessToken("fake-entra-token", DateTimeOffset.UtcNow.AddHours(1));
        }

        public override ValueTask<AccessToken> GetTokenAsync(TokenRequestContext requestContext, CancellationToken cancellationToken) =>
            ValueTask.FromResult(GetToken(requestContext, cancellationToken));
    }

    private const string DelegationKey = "a2V5LWZvci11c2VyLWRlbGVnYXRpb24tc2FzLXRlc3Rz";

    private static HttpResponseMessage UserDelegationKeyAnswer() => new(HttpStatusCode.OK)
    {
        Content = new StringContent("<?xml version=\"1.0\" encoding=\"utf-8\"?><UserDelegationKey><SignedOid>oid-1</SignedOid><SignedTid>tid-1</SignedTid>" +
            "<SignedStart>2025-01-01T00:00:00Z</SignedStart><SignedExpiry>2099-01-08T00:00:00Z</SignedExpiry><SignedService>b</SignedService>" +
            $"<SignedVersion>2024-11-04</SignedVersion><Value>{DelegationKey}</Value></UserDelegationKey>", Encoding.UTF8, "application/xml"),
    };

    [Fact]
    public async Task Entra_ID_requests_carry_a_bearer_token_for_Azure_Storage()
    {
        var token = new FakeTokenCredential();
        var handler = new ScriptedHttpHandler().Then(_ => Head());
        var provider = Provider(handler, AzureStorageCredential.Token(token));

        await provider.StatAsync("x.txt");

        var request = Assert.Single(handler.Requests);
        Assert.Equal("Bearer", request.Headers.Authorization!.Scheme);
        Assert.Equal("fake-entra-token", request.Headers.Authorization.Parameter);
        Assert.Equal(1, token.Calls);
        Assert.True(provider.Capabilities.Presign);
        Assert.Equal("EntraID (FakeTokenCredential)", provider.Options.Credential!.ToString());
    }

    [Fact]
    public async Task Entra_ID_presigns_a_user_delegation_SAS_with_one_delegation_key_for_several_URLs()
    {
        var handler = new ScriptedHttpHandler().Then(_ => UserDelegationKeyAnswer());
        var provider = Provider(handler, AzureStorageCredential.Token(new FakeTokenCredential()));

        var get = await provider.PresignAsync("dir/file.txt", new PresignRequest { ExpiresIn = TimeSpan.FromHours(1) });
        var delete = await provider.PresignAsync("dir/file.txt", new PresignRequest { Method = PresignMethod.Delete });

        var keyRequest = Assert.Single(handler.Requests);
        Assert.Equal(HttpMethod.Post, keyRequest.Method);
        Assert.Equal("?restype=service&comp=userdelegationkey", keyRequest.RequestUri!.Query);
        var query = System.Web.HttpUtility.ParseQueryString(new Uri(get.Url).Query);
        Assert.Equal("oid-1", query["skoid"]);
        Assert.Equal("tid-1", query["sktid"]);
        Assert.Equal("b", query["sks"]);
        Assert.Equal("r", query["sp"]);
        Assert.Equal("https", query["spr"]);
        Assert.Equal("d", System.Web.HttpUtility.ParseQueryString(new Uri(delete.Url).Query)["sp"]);
        Assert.Equal("/box/dir/file.txt", new Uri(get.Url).AbsolutePath);
        Assert.False(string.IsNullOrEmpty(query["sig"]));
        Assert.NotEqual(query["sig"], System.Web.HttpUtility.ParseQueryString(new Uri(delete.Url).Query)["sig"]);
    }
}
