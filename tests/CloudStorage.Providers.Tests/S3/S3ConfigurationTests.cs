using System.Net;
using Amazon.Runtime;
using Amazon.S3;
using CloudStorage.Core.Addressing;
using CloudStorage.Core.Errors;
using CloudStorage.Providers.Resilience;
using CloudStorage.Providers.S3;

namespace CloudStorage.Providers.Tests.S3;

// Options, part sizes, client configuration and error mapping: no emulator needed.
public sealed class S3ConfigurationTests
{
    private const long MiB = 1024 * 1024;

    [Theory]
    [InlineData(0L, 5 * MiB)]
    [InlineData(64 * MiB, 5 * MiB)]
    [InlineData(50_000 * MiB, 5 * MiB)]
    [InlineData(50_001 * MiB, 6 * MiB)]
    // At the 10,000-part boundary: one byte past 10,000 parts of 5 MiB needs 6 MiB parts (a floor division gives 5 MiB, 10,001 parts).
    [InlineData(50_000 * MiB + 1, 6 * MiB)]
    [InlineData(60_000 * MiB + 1, 7 * MiB)]
    [InlineData(1024L * 1024 * MiB, 105 * MiB)]
    public void Part_size_keeps_every_object_within_ten_thousand_parts(long length, long expected)
    {
        var size = PartSizing.ForLength(length, S3ProviderOptions.MinPartSize);

        Assert.Equal(expected, size);
        Assert.True(PartSizing.PartCount(length, size) <= 10_000);
    }

    [Fact]
    public void Part_size_never_goes_below_the_configured_minimum_nor_beyond_what_S3_can_store()
    {
        Assert.Equal(16 * MiB, PartSizing.ForLength(20 * MiB, 16 * MiB));
        Assert.Equal(5 * MiB, PartSizing.ForLength(20 * MiB, 1));
        var e = Assert.Throws<StorageException>(() => PartSizing.ForLength(49L * 1024 * 1024 * MiB, 5 * MiB));
        Assert.Equal(StorageErrorKind.InvalidArgument, e.Kind);
    }

    [Fact]
    public void Registration_options_are_parsed_with_sizes_and_switches()
    {
        var o = S3ProviderOptions.FromDictionary("bucket", new Dictionary<string, string>
        {
            ["Region"] = "eu-central-1",
            ["endpoint"] = "https://s3.example.com",
            ["path-style"] = "false",
            ["profile"] = "backup",
            ["part-size"] = "64MiB",
            ["multipart-threshold"] = "32MB",
            ["concurrency"] = "8",
            ["copy-threshold"] = "1GiB",
            ["request-checksum"] = "when_supported",
            ["store-md5"] = "no",
            ["trust-etag"] = "off",
        });

        Assert.Equal("eu-central-1", o.Region);
        Assert.Equal(new Uri("https://s3.example.com"), o.Endpoint);
        Assert.False(o.ForcePathStyle);
        Assert.Equal("backup", o.Profile);
        Assert.Equal(64 * MiB, o.PartSize);
        Assert.Equal(32 * MiB, o.MultipartThreshold);
        Assert.Equal(8, o.Concurrency);
        Assert.Equal(1024 * MiB, o.MultipartCopyThreshold);
        Assert.Equal(RequestChecksumCalculation.WHEN_SUPPORTED, o.RequestChecksumCalculation);
        Assert.False(o.StoreMd5);
        Assert.False(o.TrustSinglePartETag);
    }

    [Theory]
    [InlineData("secret-access-key")]
    [InlineData("aws_secret_access_key")]
    [InlineData("access-key-id")]
    [InlineData("session-token")]
    public void Credentials_in_registration_options_are_refused_with_a_pointer_to_the_standard_places(string name)
    {
        var e = Assert.Throws<StorageException>(() => S3ProviderOptions.FromDictionary("bucket", new Dictionary<string, string> { [name] = "x" }));

        Assert.Equal(StorageErrorKind.Configuration, e.Kind);
        Assert.Contains("AWS_ACCESS_KEY_ID", e.Message);
        Assert.DoesNotContain("'x'", e.Message);
    }

    [Theory]
    [InlineData("part-size", "4MiB")]
    [InlineData("part-size", "lots")]
    [InlineData("concurrency", "0")]
    [InlineData("endpoint", "ftp://example.com")]
    [InlineData("path-style", "maybe")]
    [InlineData("request-checksum", "sometimes")]
    [InlineData("colour", "blue")]
    public void Invalid_or_unknown_options_fail_with_Configuration(string name, string value)
    {
        var e = Assert.Throws<StorageException>(() => S3ProviderOptions.FromDictionary("bucket", new Dictionary<string, string> { [name] = value }));

        Assert.Equal(StorageErrorKind.Configuration, e.Kind);
    }

    [Theory]
    [InlineData("https://ACCOUNT.r2.cloudflarestorage.com")]
    [InlineData("https://s3.us-west-004.backblazeb2.com")]
    [InlineData("http://127.0.0.1:9000")]
    public void Custom_endpoints_get_checksums_only_when_required_and_path_style(string endpoint)
    {
        var config = S3StorageProvider.CreateConfig(new S3ProviderOptions { Bucket = "b", Endpoint = new Uri(endpoint) });

        Assert.Equal(RequestChecksumCalculation.WHEN_REQUIRED, config.RequestChecksumCalculation);
        Assert.Equal(ResponseChecksumValidation.WHEN_REQUIRED, config.ResponseChecksumValidation);
        Assert.True(config.ForcePathStyle);
        Assert.Equal(0, config.MaxErrorRetry);
    }

    [Fact]
    public void The_checksum_setting_of_a_custom_endpoint_can_be_overridden()
    {
        var config = S3StorageProvider.CreateConfig(new S3ProviderOptions
        {
            Bucket = "b",
            Endpoint = new Uri("https://minio.internal:9000"),
            RequestChecksumCalculation = RequestChecksumCalculation.WHEN_SUPPORTED,
            ResponseChecksumValidation = ResponseChecksumValidation.WHEN_SUPPORTED,
            ForcePathStyle = false,
        });

        Assert.Equal(RequestChecksumCalculation.WHEN_SUPPORTED, config.RequestChecksumCalculation);
        Assert.Equal(ResponseChecksumValidation.WHEN_SUPPORTED, config.ResponseChecksumValidation);
        Assert.False(config.ForcePathStyle);
    }

    [Fact]
    public void AWS_keeps_the_SDK_default_checksums_and_virtual_hosted_addressing()
    {
        var config = S3StorageProvider.CreateConfig(new S3ProviderOptions { Bucket = "b", Region = "eu-west-1" });

        Assert.Equal(RequestChecksumCalculation.WHEN_SUPPORTED, config.RequestChecksumCalculation);
        Assert.Equal(ResponseChecksumValidation.WHEN_SUPPORTED, config.ResponseChecksumValidation);
        Assert.False(config.ForcePathStyle);
        Assert.Equal("eu-west-1", config.RegionEndpoint.SystemName);
    }

    [Fact]
    public void A_profile_and_its_file_go_to_the_SDK_credential_chain()
    {
        var config = S3StorageProvider.CreateConfig(new S3ProviderOptions { Bucket = "b", Region = "us-east-1", Profile = "backup", ProfilesLocation = "/tmp/creds" });

        Assert.Equal("backup", config.Profile.Name);
        Assert.Equal("/tmp/creds", config.Profile.Location);
    }

    [Fact]
    public void The_pack_registers_the_s3_scheme_and_the_factory_wraps_the_provider_in_the_resilience_layer()
    {
        var registry = new ProviderRegistry();

        ProviderPack.RegisterAll(registry);
        var location = registry.Resolve("s3://some-bucket/reports/q1.pdf");

        Assert.Contains("s3", registry.Schemes);
        var resilient = Assert.IsType<ResilientStorageProvider>(location.Provider);
        var s3 = Assert.IsType<S3StorageProvider>(resilient.Inner);
        Assert.Equal("some-bucket", s3.Bucket);
        Assert.Equal("reports/q1.pdf", location.Key);
        Assert.Equal("s3://some-bucket/reports/q1.pdf", location.Uri);
    }

    public static TheoryData<string, int, StorageErrorKind, bool> ServiceErrors => new()
    {
        { "NoSuchKey", 404, StorageErrorKind.NotFound, false },
        { "NoSuchBucket", 404, StorageErrorKind.NotFound, false },
        { "AccessDenied", 403, StorageErrorKind.PermissionDenied, false },
        { "SignatureDoesNotMatch", 403, StorageErrorKind.PermissionDenied, false },
        { "SlowDown", 503, StorageErrorKind.Throttled, true },
        { "InternalError", 500, StorageErrorKind.Transient, true },
        { "ServiceUnavailable", 503, StorageErrorKind.Transient, true },
        { "", 502, StorageErrorKind.Transient, true },
        { "", 429, StorageErrorKind.Throttled, true },
        { "PreconditionFailed", 412, StorageErrorKind.Conflict, false },
        { "BadDigest", 400, StorageErrorKind.IntegrityFailure, false },
        { "InvalidStorageClass", 400, StorageErrorKind.InvalidArgument, false },
        { "NotImplemented", 501, StorageErrorKind.Unsupported, false },
    };

    [Theory]
    [MemberData(nameof(ServiceErrors))]
    public void S3_error_codes_map_to_the_engine_kinds(string code, int status, StorageErrorKind kind, bool transient)
    {
        var error = new AmazonS3Exception("boom", ErrorType.Sender, code, "req-1", (HttpStatusCode)status);

        var mapped = S3ErrorMapper.Map(error, "s3://b/k", "s3://b", CancellationToken.None);

        Assert.NotNull(mapped);
        Assert.Equal(kind, mapped.Kind);
        Assert.Equal(transient, mapped.IsTransient);
        Assert.Equal(transient, StorageResilience.IsRetryable(mapped));
        Assert.Equal("s3://b/k", mapped.Target);
        Assert.Same(error, mapped.InnerException);
    }

    [Fact]
    public void Dropped_connections_and_timeouts_are_transient_but_the_callers_cancellation_passes_through()
    {
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();

        Assert.Equal(StorageErrorKind.Transient, S3ErrorMapper.Map(new HttpRequestException("reset"), "t", "p", CancellationToken.None)!.Kind);
        Assert.Equal(StorageErrorKind.Transient, S3ErrorMapper.Map(new IOException("broken pipe"), "t", "p", CancellationToken.None)!.Kind);
        Assert.Equal(StorageErrorKind.Transient, S3ErrorMapper.Map(new TaskCanceledException("timeout"), "t", "p", CancellationToken.None)!.Kind);
        Assert.Null(S3ErrorMapper.Map(new OperationCanceledException(cancelled.Token), "t", "p", cancelled.Token));
    }
}
