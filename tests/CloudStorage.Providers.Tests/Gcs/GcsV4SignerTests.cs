using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using CloudStorage.Errors;
using CloudStorage.Providers.Gcs;
using CloudStorage.Providers.Tests.Emulator;
using Google.Apis.Auth.OAuth2;

namespace CloudStorage.Providers.Tests.Gcs;

/// <summary>
/// V4 signing without network: the published conformance vectors (TestData/gcs-v4-signing, signed by the inactive dummy
/// service account) are reproduced byte for byte, canonical request and string to sign included; HMAC signing and URL
/// styles are checked against independent computations.
/// </summary>
public sealed class GcsV4SignerTests
{
    private static readonly JsonElement[] Vectors = LoadVectors();

    private static JsonElement[] LoadVectors()
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(TestData.Path("gcs-v4-signing", "v4_signatures.json")));
        return doc.RootElement.GetProperty("signingV4Tests").EnumerateArray().Select(e => e.Clone()).ToArray();
    }

    public static TheoryData<string> VectorNames()
    {
        var data = new TheoryData<string>();
        foreach (var v in Vectors) data.Add(v.GetProperty("description").GetString()!);
        return data;
    }

    private static GcsRsaSigningKey DummyKey()
    {
        var sa = (ServiceAccountCredential)GcsEmulatorFixture.DummyServiceAccount.UnderlyingCredential;
        return new GcsRsaSigningKey(sa.Id, sa);
    }

    private static string? Text(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) ? v.ValueKind == JsonValueKind.String ? v.GetString() : v.GetRawText() : null;

    private static Dictionary<string, string>? Map(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) ? v.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()!) : null;

    private static GcsSignedUrlRequest RequestOf(JsonElement v) => new()
    {
        Bucket = Text(v, "bucket")!,
        ObjectName = Text(v, "object"),
        Method = Text(v, "method")!,
        Expiry = TimeSpan.FromSeconds(long.Parse(Text(v, "expiration")!)),
        Timestamp = DateTimeOffset.Parse(Text(v, "timestamp")!, System.Globalization.CultureInfo.InvariantCulture),
        Headers = Map(v, "headers"),
        QueryParameters = Map(v, "queryParameters"),
        Scheme = Text(v, "scheme") ?? "https",
        Endpoint = Text(v, "emulatorHostname") ?? Text(v, "clientEndpoint") ?? Text(v, "hostname"),
        UniverseDomain = Text(v, "universeDomain") ?? "googleapis.com",
        UrlStyle = Text(v, "urlStyle") switch
        {
            "VIRTUAL_HOSTED_STYLE" => GcsUrlStyle.VirtualHosted,
            "BUCKET_BOUND_HOSTNAME" or "BUCKET_BOUND_DOMAIN" => GcsUrlStyle.BucketBoundHostname,
            _ => GcsUrlStyle.PathStyle,
        },
        BucketBoundHostname = Text(v, "bucketBoundHostname") ?? Text(v, "bucketBoundDomain"),
    };

    [Fact]
    public void The_shared_vector_file_is_there_and_not_empty() => Assert.True(Vectors.Length >= 13, $"{Vectors.Length} vectors");

    [Theory]
    [MemberData(nameof(VectorNames))]
    public async Task Conformance_vector_is_reproduced_byte_for_byte(string description)
    {
        var vector = Vectors.Single(v => v.GetProperty("description").GetString() == description);
        var signer = new GcsV4Signer(DummyKey());
        var request = RequestOf(vector);

        var parts = signer.Canonicalize(request);
        var url = await signer.SignAsync(request);

        if (Text(vector, "expectedCanonicalRequest") is { } canonical) Assert.Equal(canonical, parts.CanonicalRequest);
        if (Text(vector, "expectedStringToSign") is { } toSign) Assert.Equal(toSign, parts.StringToSign);
        Assert.Equal(Text(vector, "expectedUrl"), url.OriginalString);
    }

    [Fact]
    public async Task A_signature_verifies_with_the_service_accounts_public_key()
    {
        var signer = new GcsV4Signer(DummyKey());
        var request = new GcsSignedUrlRequest { Bucket = "b", ObjectName = "dir/a file+x.txt", Method = "PUT", Expiry = TimeSpan.FromMinutes(5) };

        var url = await signer.SignAsync(request);
        var parts = signer.Canonicalize(request);

        var signature = Convert.FromHexString(url.OriginalString[(url.OriginalString.IndexOf("X-Goog-Signature=", StringComparison.Ordinal) + 17)..]);
        using var rsa = RSA.Create();
        var pem = JsonDocument.Parse(File.ReadAllText(TestData.Path("gcs-v4-signing", "test_service_account.json"))).RootElement.GetProperty("private_key").GetString()!;
        rsa.ImportFromPem(pem);
        Assert.True(rsa.VerifyData(Encoding.UTF8.GetBytes(parts.StringToSign), signature, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1));
        Assert.StartsWith("https://storage.googleapis.com/b/dir/a%20file%2Bx.txt?X-Goog-Algorithm=GOOG4-RSA-SHA256&", url.OriginalString);
    }

    [Fact]
    public async Task HMAC_signing_uses_GOOG4_HMAC_SHA256_with_the_derived_key()
    {
        var key = new GcsHmacKey("GOOG1EXAMPLEACCESSID", "bGoa+V7g/yqDXvKRqq+JTFn4uQZbPiQJo4pf9RzJ");
        var signer = new GcsV4Signer(new GcsHmacSigningKey(key));
        var request = new GcsSignedUrlRequest
        {
            Bucket = "test-bucket", ObjectName = "test-object", Expiry = TimeSpan.FromSeconds(10),
            Timestamp = new DateTimeOffset(2019, 2, 1, 9, 0, 0, TimeSpan.Zero),
        };

        var url = (await signer.SignAsync(request)).OriginalString;
        var parts = signer.Canonicalize(request);

        // The derivation written out independently: HMAC chain over date, region "auto", "storage", "goog4_request".
        byte[] H(byte[] k, string s) => HMACSHA256.HashData(k, Encoding.UTF8.GetBytes(s));
        var signingKey = H(H(H(H(Encoding.UTF8.GetBytes("GOOG4" + key.Secret), "20190201"), "auto"), "storage"), "goog4_request");
        var expected = Convert.ToHexString(H(signingKey, parts.StringToSign)).ToLowerInvariant();
        Assert.StartsWith("GOOG4-HMAC-SHA256\n20190201T090000Z\n20190201/auto/storage/goog4_request\n", parts.StringToSign);
        Assert.Contains("X-Goog-Credential=GOOG1EXAMPLEACCESSID%2F20190201%2Fauto%2Fstorage%2Fgoog4_request", url);
        Assert.EndsWith("&X-Goog-Signature=" + expected, url);
        Assert.DoesNotContain(key.Secret, url);
        Assert.DoesNotContain(key.Secret, key.ToString());
    }

    [Fact]
    public void Virtual_hosted_and_bucket_bound_styles_sign_the_host_they_use()
    {
        var signer = new GcsV4Signer(DummyKey());
        var baseRequest = new GcsSignedUrlRequest { Bucket = "test-bucket", ObjectName = "test-object", Expiry = TimeSpan.FromSeconds(10) };

        var virtualHosted = signer.Canonicalize(baseRequest with { UrlStyle = GcsUrlStyle.VirtualHosted });
        var bound = signer.Canonicalize(baseRequest with { UrlStyle = GcsUrlStyle.BucketBoundHostname, BucketBoundHostname = "mydomain.tld", Scheme = "http" });

        Assert.Equal(("https", "test-bucket.storage.googleapis.com", "/test-object"), (virtualHosted.Scheme, virtualHosted.Authority, virtualHosted.Path));
        Assert.Contains("\nhost:test-bucket.storage.googleapis.com\n", virtualHosted.CanonicalRequest);
        Assert.Equal(("http", "mydomain.tld", "/test-object"), (bound.Scheme, bound.Authority, bound.Path));
        Assert.Contains("\nhost:mydomain.tld\n", bound.CanonicalRequest);
    }

    [Fact]
    public void An_emulator_endpoint_keeps_its_port_in_the_signed_host()
    {
        var parts = new GcsV4Signer(DummyKey()).Canonicalize(new GcsSignedUrlRequest
        {
            Bucket = "b", ObjectName = "k", Expiry = TimeSpan.FromMinutes(1), Endpoint = "http://127.0.0.1:9199",
        });

        Assert.Equal(("http", "127.0.0.1:9199"), (parts.Scheme, parts.Authority));
        Assert.Contains("\nhost:127.0.0.1:9199\n", parts.CanonicalRequest);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(604801)]
    public void Expiry_outside_one_second_to_seven_days_is_refused(int seconds)
    {
        var e = Assert.Throws<StorageException>(() => new GcsV4Signer(DummyKey()).Canonicalize(new GcsSignedUrlRequest
        {
            Bucket = "b", ObjectName = "k", Expiry = TimeSpan.FromSeconds(seconds),
        }));
        Assert.Equal(StorageErrorKind.InvalidArgument, e.Kind);
    }

    [Fact]
    public void Exactly_seven_days_is_allowed() =>
        Assert.Contains("X-Goog-Expires=604800", new GcsV4Signer(DummyKey()).Canonicalize(new GcsSignedUrlRequest
        {
            Bucket = "b", ObjectName = "k", Expiry = TimeSpan.FromDays(7),
        }).Query);
}
