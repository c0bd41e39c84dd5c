using System.Reflection;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using CloudStorage.Core.Errors;
using CloudStorage.Core.Model;
using CloudStorage.Providers.Gcs;
using CloudStorage.Providers.Tests.Emulator;
using Google.Api.Gax;
using Google.Apis.Auth.OAuth2;
using Google.Cloud.Storage.V1;

namespace CloudStorage.Providers.Tests.Gcs;

/// <summary>
/// V4 signing through the SDK's <see cref="UrlSigner"/>, without network: the published conformance vectors
/// (TestData/gcs-v4-signing, signed by the inactive dummy service account) are reproduced byte for byte — URL,
/// signature and string to sign — with the endpoint of each vector read by the provider's own
/// <see cref="GcsUrlSigning.SplitEndpoint"/>; the custom-host vectors with ports keep the port in the URL and sign the
/// host without it. HMAC signing and the provider's URL styles are checked against independent computations.
/// </summary>
public sealed class GcsUrlSigningTests
{
    private static readonly JsonElement[] Vectors = LoadVectors("v4_signatures.json");
    private static readonly JsonElement[] HostVectors = LoadVectors("v4_signatures_hosts.json");
    private static readonly DateTime VectorTime = new(2019, 2, 1, 9, 0, 0, DateTimeKind.Utc);

    private static JsonElement[] LoadVectors(string file)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(TestData.Path("gcs-v4-signing", file)));
        return doc.RootElement.GetProperty("signingV4Tests").EnumerateArray().Select(e => e.Clone()).ToArray();
    }

    public static TheoryData<string> VectorNames() => Names(Vectors);

    public static TheoryData<string> HostVectorNames() => Names(HostVectors);

    private static TheoryData<string> Names(JsonElement[] vectors)
    {
        var data = new TheoryData<string>();
        foreach (var v in vectors) data.Add(v.GetProperty("description").GetString()!);
        return data;
    }

    private static ServiceAccountCredential DummyAccount => (ServiceAccountCredential)GcsEmulatorFixture.DummyServiceAccount.UnderlyingCredential;

    private static string? Text(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) ? v.ValueKind == JsonValueKind.String ? v.GetString() : v.GetRawText() : null;

    private static Dictionary<string, IEnumerable<string>>? Map(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) ? v.EnumerateObject().ToDictionary(p => p.Name, p => (IEnumerable<string>)[p.Value.GetString()!]) : null;

    /// <summary>
    /// The signer at a fixed time. The SDK keeps its clock hook (<c>WithClock</c>) internal, for its own conformance
    /// tests; the vectors need the same, so the test reaches it by reflection.
    /// </summary>
    private static UrlSigner AtTime(UrlSigner signer, DateTime utc)
    {
        var withClock = typeof(UrlSigner).GetMethod("WithClock", BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic)
            ?? throw new InvalidOperationException("UrlSigner.WithClock is gone: the vector tests need another way to fix the signing time.");
        return (UrlSigner)withClock.Invoke(signer, [new FixedClock(utc)])!;
    }

    private sealed class FixedClock(DateTime utc) : IClock
    {
        public DateTime GetCurrentDateTimeUtc() => utc;
    }

    /// <summary>The service account's signer, recording every string it signs.</summary>
    private sealed class RecordingSigner(ServiceAccountCredential account) : UrlSigner.IBlobSigner
    {
        public List<string> Signed { get; } = [];
        public string Id => account.Id;
        public string Algorithm => "GOOG4-RSA-SHA256";

        public string CreateSignature(byte[] data, UrlSigner.BlobSignerParameters parameters)
        {
            Signed.Add(Encoding.UTF8.GetString(data));
            return account.CreateSignature(data);
        }

        public Task<string> CreateSignatureAsync(byte[] data, UrlSigner.BlobSignerParameters parameters, CancellationToken cancellationToken) =>
            Task.FromResult(CreateSignature(data, parameters));
    }

    private static (string Url, string StringToSign) Sign(JsonElement v)
    {
        var recorder = new RecordingSigner(DummyAccount);
        var signer = AtTime(UrlSigner.FromBlobSigner(recorder),
            DateTime.Parse(Text(v, "timestamp")!, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AdjustToUniversal));
        var template = UrlSigner.RequestTemplate.FromBucket(Text(v, "bucket")!)
            .WithObjectName(Text(v, "object"))
            .WithHttpMethod(new HttpMethod(Text(v, "method")!));
        if (Map(v, "headers") is { } headers) template = template.WithRequestHeaders(headers);
        if (Map(v, "queryParameters") is { } query) template = template.WithQueryParameters(query);
        var style = Text(v, "urlStyle") switch
        {
            "VIRTUAL_HOSTED_STYLE" => GcsUrlStyle.VirtualHosted,
            "BUCKET_BOUND_HOSTNAME" or "BUCKET_BOUND_DOMAIN" => GcsUrlStyle.BucketBoundHostname,
            _ => GcsUrlStyle.PathStyle,
        };
        // Google's precedence: hostname, then the client's endpoint, then the emulator host, then the universe domain.
        var endpoint = Text(v, "hostname") ?? Text(v, "clientEndpoint") ?? Text(v, "emulatorHostname");
        var options = GcsUrlSigning.OptionsFor(TimeSpan.FromSeconds(long.Parse(Text(v, "expiration")!)), style, endpoint,
            Text(v, "universeDomain") ?? "googleapis.com", Text(v, "bucketBoundHostname") ?? Text(v, "bucketBoundDomain"), Text(v, "scheme") ?? "https");
        var url = signer.Sign(template, options);
        return (url, Assert.Single(recorder.Signed));
    }

    private static void AssertReproduced(JsonElement vector)
    {
        var (url, stringToSign) = Sign(vector);

        Assert.Equal(Text(vector, "expectedUrl"), url);
        if (Text(vector, "expectedStringToSign") is { } expected) Assert.Equal(expected, stringToSign);
        if (Text(vector, "expectedCanonicalRequest") is { } canonical)
            Assert.EndsWith("\n" + Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(canonical))).ToLowerInvariant(), stringToSign);
    }

    [Fact]
    public void The_shared_vector_files_are_there_and_complete()
    {
        Assert.Equal(13, Vectors.Length);
        Assert.Equal(4, HostVectors.Length);
        Assert.All(HostVectors, v => Assert.Contains(":8080", Text(v, "hostname") + Text(v, "clientEndpoint") + Text(v, "emulatorHostname")));
    }

    [Theory]
    [MemberData(nameof(VectorNames))]
    public void Conformance_vector_is_reproduced_byte_for_byte_by_the_SDK_signer(string description) =>
        AssertReproduced(Vectors.Single(v => v.GetProperty("description").GetString() == description));

    [Theory]
    [MemberData(nameof(HostVectorNames))]
    public void Custom_host_with_a_port_keeps_the_port_in_the_URL_and_signs_the_host_without_it(string description)
    {
        var vector = HostVectors.Single(v => v.GetProperty("description").GetString() == description);

        AssertReproduced(vector);
        Assert.Contains("\nhost:" + new Uri(Text(vector, "expectedUrl")!).Host + "\n", Text(vector, "expectedCanonicalRequest"));
    }

    [Theory]
    [InlineData("http://127.0.0.1:9199", "http", "127.0.0.1", 9199)]
    [InlineData("127.0.0.1:9199", null, "127.0.0.1", 9199)]
    [InlineData("storage.googleapis.com:443", null, "storage.googleapis.com", 443)]
    [InlineData("https://xyz.googleapis.com", "https", "xyz.googleapis.com", null)]
    [InlineData("http://[::1]:4443/", "http", "[::1]", 4443)]
    [InlineData("cdn.example.com", null, "cdn.example.com", null)]
    public void Endpoints_split_into_scheme_host_and_the_port_written(string endpoint, string? scheme, string host, int? port) =>
        Assert.Equal((scheme, host, port), GcsUrlSigning.SplitEndpoint(endpoint));

    [Fact]
    public async Task An_emulator_host_with_a_port_leads_the_URL_there_and_the_signature_verifies_with_the_accounts_key()
    {
        using var provider = new GcsStorageProvider(new GcsProviderOptions
        {
            Bucket = "b", EmulatorHost = "127.0.0.1:9199", Credential = GcsEmulatorFixture.DummyServiceAccount,
        });

        var url = (await provider.PresignAsync("dir/a file+x.txt", new PresignRequest { Method = PresignMethod.Put, ExpiresIn = TimeSpan.FromMinutes(5) })).Url;

        Assert.StartsWith("http://127.0.0.1:9199/b/dir/a%20file%2Bx.txt?X-Goog-Algorithm=GOOG4-RSA-SHA256&", url);
        // Rebuild what was signed (host without its port, per Google's rule) and verify with the public key.
        var query = url[(url.IndexOf('?') + 1)..url.IndexOf("&X-Goog-Signature=", StringComparison.Ordinal)];
        var date = System.Web.HttpUtility.ParseQueryString(query)["X-Goog-Date"]!;
        var canonical = $"PUT\n/b/dir/a%20file%2Bx.txt\n{query}\nhost:127.0.0.1\n\nhost\nUNSIGNED-PAYLOAD";
        var stringToSign = $"GOOG4-RSA-SHA256\n{date}\n{date[..8]}/auto/storage/goog4_request\n{Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(canonical))).ToLowerInvariant()}";
        var signature = Convert.FromHexString(url[(url.IndexOf("X-Goog-Signature=", StringComparison.Ordinal) + 17)..]);
        using var rsa = RSA.Create();
        rsa.ImportFromPem(JsonDocument.Parse(File.ReadAllText(TestData.Path("gcs-v4-signing", "test_service_account.json"))).RootElement.GetProperty("private_key").GetString()!);
        Assert.True(rsa.VerifyData(Encoding.UTF8.GetBytes(stringToSign), signature, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1));
    }

    [Fact]
    public void HMAC_signing_uses_GOOG4_HMAC_SHA256_with_the_derived_key()
    {
        var key = new GcsHmacKey("GOOG1EXAMPLEACCESSID", "bGoa+V7g/yqDXvKRqq+JTFn4uQZbPiQJo4pf9RzJ");
        var signer = AtTime(GcsUrlSigning.ForHmac(key), VectorTime);
        var template = UrlSigner.RequestTemplate.FromBucket("test-bucket").WithObjectName("test-object");

        var url = signer.Sign(template, GcsUrlSigning.OptionsFor(TimeSpan.FromSeconds(10), GcsUrlStyle.PathStyle, null, "googleapis.com", null));

        // The derivation written out independently: HMAC chain over date, region "auto", "storage", "goog4_request".
        var query = url[(url.IndexOf('?') + 1)..url.IndexOf("&X-Goog-Signature=", StringComparison.Ordinal)];
        var canonical = $"GET\n/test-bucket/test-object\n{query}\nhost:storage.googleapis.com\n\nhost\nUNSIGNED-PAYLOAD";
        var stringToSign = "GOOG4-HMAC-SHA256\n20190201T090000Z\n20190201/auto/storage/goog4_request\n"
            + Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(canonical))).ToLowerInvariant();
        byte[] H(byte[] k, string s) => HMACSHA256.HashData(k, Encoding.UTF8.GetBytes(s));
        var signingKey = H(H(H(H(Encoding.UTF8.GetBytes("GOOG4" + key.Secret), "20190201"), "auto"), "storage"), "goog4_request");
        Assert.Contains("X-Goog-Algorithm=GOOG4-HMAC-SHA256", url);
        Assert.Contains("X-Goog-Credential=GOOG1EXAMPLEACCESSID%2F20190201%2Fauto%2Fstorage%2Fgoog4_request", url);
        Assert.EndsWith("&X-Goog-Signature=" + Convert.ToHexString(H(signingKey, stringToSign)).ToLowerInvariant(), url);
        Assert.DoesNotContain(key.Secret, url);
        Assert.DoesNotContain(key.Secret, key.ToString());
    }

    [Fact]
    public async Task Virtual_hosted_and_bucket_bound_styles_lead_to_the_host_they_name()
    {
        GcsStorageProvider Provider(GcsUrlStyle style, string? bound = null, Uri? endpoint = null) => new(new GcsProviderOptions
        {
            Bucket = "test-bucket", Credential = GcsEmulatorFixture.DummyServiceAccount, UrlStyle = style, BucketBoundHostname = bound, Endpoint = endpoint,
        });
        using var virtualHosted = Provider(GcsUrlStyle.VirtualHosted);
        using var bound = Provider(GcsUrlStyle.BucketBoundHostname, "http://mydomain.tld");
        using var custom = Provider(GcsUrlStyle.PathStyle, endpoint: new Uri("https://storage.example.com:8443"));

        Assert.StartsWith("https://test-bucket.storage.googleapis.com/test-object?", (await virtualHosted.PresignAsync("test-object", new PresignRequest())).Url);
        Assert.StartsWith("http://mydomain.tld/test-object?", (await bound.PresignAsync("test-object", new PresignRequest())).Url);
        Assert.StartsWith("https://storage.example.com:8443/test-bucket/test-object?", (await custom.PresignAsync("test-object", new PresignRequest())).Url);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(604801)]
    public async Task Expiry_outside_one_second_to_seven_days_is_refused(int seconds)
    {
        using var provider = new GcsStorageProvider(new GcsProviderOptions { Bucket = "b", Credential = GcsEmulatorFixture.DummyServiceAccount });

        var e = await Assert.ThrowsAsync<StorageException>(() => provider.PresignAsync("k", new PresignRequest { ExpiresIn = TimeSpan.FromSeconds(seconds) }));

        Assert.Equal(StorageErrorKind.InvalidArgument, e.Kind);
    }

    [Fact]
    public async Task Exactly_seven_days_is_allowed()
    {
        using var provider = new GcsStorageProvider(new GcsProviderOptions { Bucket = "b", Credential = GcsEmulatorFixture.DummyServiceAccount });

        Assert.Contains("X-Goog-Expires=604800", (await provider.PresignAsync("k", new PresignRequest { ExpiresIn = TimeSpan.FromDays(7) })).Url);
    }
}
