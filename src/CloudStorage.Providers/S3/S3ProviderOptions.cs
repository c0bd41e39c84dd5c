using CloudStorage.Providers.Common;
using Amazon.Runtime;
using CloudStorage.Core.Errors;

namespace CloudStorage.Providers.S3;

/// <summary>
/// How to reach one S3 (or S3-compatible) bucket and how to move data there. Credentials are never part of the
/// options read from a registration: they come from the SDK's standard chain (environment, shared credentials and
/// config files with <see cref="Profile"/>, container and instance roles), or from <see cref="Credentials"/> set in code.
/// </summary>
public sealed record S3ProviderOptions
{
    /// <summary>The smallest part S3 accepts (except the last one).</summary>
    public const long MinPartSize = 5L * 1024 * 1024;

    /// <summary>The largest part S3 accepts.</summary>
    public const long MaxPartSize = 5L * 1024 * 1024 * 1024;

    /// <summary>The most parts one multipart upload may have.</summary>
    public const int MaxParts = 10_000;

    /// <summary>The largest object a single CopyObject request can copy.</summary>
    public const long MaxSingleCopySize = 5L * 1024 * 1024 * 1024;

    /// <summary>The bucket.</summary>
    public required string Bucket { get; init; }

    /// <summary>Region (<c>eu-west-1</c>; <c>auto</c> for R2). Null: the SDK's chain (AWS_REGION, profile), else us-east-1.</summary>
    public string? Region { get; init; }

    /// <summary>Endpoint URL of an S3-compatible service (<c>https://ACCOUNT.r2.cloudflarestorage.com</c>, <c>http://127.0.0.1:9000</c>); null for AWS.</summary>
    public Uri? Endpoint { get; init; }

    /// <summary>Path-style addressing (<c>endpoint/bucket/key</c>); null: on for custom endpoints, off for AWS.</summary>
    public bool? ForcePathStyle { get; init; }

    /// <summary>A profile of the shared credentials/config files; null: AWS_PROFILE or <c>default</c>.</summary>
    public string? Profile { get; init; }

    /// <summary>The shared credentials file holding <see cref="Profile"/>; null: the SDK's default location.</summary>
    public string? ProfilesLocation { get; init; }

    /// <summary>Explicit credentials (programmatic use and tests only; registrations never carry secrets).</summary>
    public AWSCredentials? Credentials { get; init; }

    /// <summary>
    /// Request checksums (the SDK's CRC trailers). Null: <c>WHEN_REQUIRED</c> for custom endpoints, because the AWS
    /// SDKs' 2025 default broke R2, B2, OVH and Ceph; the SDK default (<c>WHEN_SUPPORTED</c>) on AWS.
    /// </summary>
    public RequestChecksumCalculation? RequestChecksumCalculation { get; init; }

    /// <summary>Response checksum validation; null: <c>WHEN_REQUIRED</c> for custom endpoints, the SDK default on AWS.</summary>
    public ResponseChecksumValidation? ResponseChecksumValidation { get; init; }

    /// <summary>Objects of known length above this go up in parts (default 16 MiB).</summary>
    public long MultipartThreshold { get; init; } = 16L * 1024 * 1024;

    /// <summary>
    /// Part size for streams of unknown length, and the smallest part for known lengths (default 5 MiB, the least S3
    /// takes: rclone's default). A stream of unknown length can hold at most 10,000 parts of this size (48.8 GiB with the default).
    /// </summary>
    public long PartSize { get; init; } = MinPartSize;

    /// <summary>Parts uploaded (or copied) at once. Memory held by one upload is at most this × part size.</summary>
    public int Concurrency { get; init; } = 4;

    /// <summary>Server-side copies above this use UploadPartCopy (default and maximum 5 GiB).</summary>
    public long MultipartCopyThreshold { get; init; } = MaxSingleCopySize;

    /// <summary>The smallest part of a multipart server-side copy (default 256 MiB).</summary>
    public long CopyPartSize { get; init; } = 256L * 1024 * 1024;

    /// <summary>
    /// Record the whole-object MD5 in user metadata (<c>cloudstorage-md5</c>) of multipart uploads, so integrity
    /// checks and sync need no download later (default on). The README ("ETags, stored MD5s and integrity checks") gives the cost.
    /// </summary>
    public bool StoreMd5 { get; init; } = true;

    /// <summary>
    /// Treat single-part ETags (32 hex digits, no '-') as MD5s (default on; true on AWS and the common
    /// S3-compatible services). Turn off for buckets encrypted with SSE-KMS or SSE-C, whose ETags are not MD5s.
    /// </summary>
    public bool TrustSinglePartETag { get; init; } = true;

    /// <summary>SDK retries per HTTP request (default 0: the resilience decorator retries whole operations).</summary>
    public int SdkMaxErrorRetry { get; init; }

    /// <summary>
    /// Retries of single parts (upload and copy), whose bytes are in memory; null: none. Whole operations are
    /// retried by the <see cref="Resilience.ResilientStorageProvider"/> around the provider.
    /// </summary>
    public Resilience.StorageResilienceOptions? PartRetry { get; init; } = new();

    /// <summary>Connect and read (idle) timeouts of every request (options <c>connect-timeout</c>, <c>read-timeout</c>).</summary>
    public Common.HttpTimeouts Timeouts { get; init; } = new();

    /// <summary>Display name; null for <c>s3://bucket</c>.</summary>
    public string? Name { get; init; }

    /// <summary>True when <see cref="Endpoint"/> names a service other than AWS.</summary>
    public bool IsCustomEndpoint => Endpoint is { } e && !IsAwsHost(e.Host);

    private static bool IsAwsHost(string host) =>
        host.EndsWith(".amazonaws.com", StringComparison.OrdinalIgnoreCase) ||
        host.EndsWith(".amazonaws.com.cn", StringComparison.OrdinalIgnoreCase);

    /// <summary>Throws Configuration when a value is out of range.</summary>
    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(Bucket))
            throw Invalid("a bucket name is required (s3://bucket/...)");
        if (Endpoint is { } e && e.Scheme is not ("http" or "https"))
            throw Invalid($"the endpoint '{e}' must be an http:// or https:// URL");
        if (PartSize < MinPartSize || PartSize > MaxPartSize)
            throw Invalid($"part-size must be between 5 MiB and 5 GiB, not {PartSize} bytes");
        if (MultipartThreshold < 0)
            throw Invalid("multipart-threshold must not be negative");
        if (Concurrency is < 1 or > 64)
            throw Invalid($"concurrency must be between 1 and 64, not {Concurrency}");
        if (MultipartCopyThreshold < 0 || MultipartCopyThreshold > MaxSingleCopySize)
            throw Invalid("copy-threshold must be between 0 and 5 GiB");
        if (CopyPartSize < MinPartSize || CopyPartSize > MaxPartSize)
            throw Invalid("copy-part-size must be between 5 MiB and 5 GiB");
        if (SdkMaxErrorRetry is < 0 or > 10)
            throw Invalid("sdk-retries must be between 0 and 10");
    }

    private StorageException Invalid(string reason) =>
        new(StorageErrorKind.Configuration, $"S3 provider for bucket '{Bucket}': {reason}.", "s3://" + Bucket);

    /// <summary>Option names a registration may use (case-insensitive).</summary>
    public static IReadOnlyList<string> OptionNames { get; } =
    [
        "region", "endpoint", "path-style", "profile", "profiles-location", "request-checksum", "response-checksum",
        "multipart-threshold", "part-size", "concurrency", "copy-threshold", "copy-part-size", "store-md5",
        "trust-etag", "sdk-retries",
    ];

    /// <summary>
    /// Options from a registration's dictionary. Unknown names and credential-like names are refused
    /// (Configuration): secrets belong in the standard credential places, not in registrations.
    /// </summary>
    public static S3ProviderOptions FromDictionary(string bucket, IReadOnlyDictionary<string, string> values)
    {
        var o = new S3ProviderOptions { Bucket = bucket };
        foreach (var (rawName, value) in values)
        {
            var name = rawName.Trim().ToLowerInvariant().Replace('_', '-');
            o = name switch
            {
                "region" => o with { Region = NullIfEmpty(value) },
                "endpoint" or "endpoint-url" => o with { Endpoint = ParseEndpoint(bucket, value) },
                "path-style" or "force-path-style" => o with { ForcePathStyle = ParseBool(bucket, name, value) },
                "profile" => o with { Profile = NullIfEmpty(value) },
                "profiles-location" or "credentials-file" => o with { ProfilesLocation = NullIfEmpty(value) },
                "request-checksum" or "request-checksum-calculation" => o with { RequestChecksumCalculation = ParseChecksum<RequestChecksumCalculation>(bucket, name, value) },
                "response-checksum" or "response-checksum-validation" => o with { ResponseChecksumValidation = ParseChecksum<ResponseChecksumValidation>(bucket, name, value) },
                "multipart-threshold" => o with { MultipartThreshold = ParseSize(bucket, name, value) },
                "part-size" or "chunk-size" => o with { PartSize = ParseSize(bucket, name, value) },
                "concurrency" => o with { Concurrency = ParseInt(bucket, name, value) },
                "copy-threshold" => o with { MultipartCopyThreshold = ParseSize(bucket, name, value) },
                "copy-part-size" => o with { CopyPartSize = ParseSize(bucket, name, value) },
                "store-md5" => o with { StoreMd5 = ParseBool(bucket, name, value) },
                "trust-etag" => o with { TrustSinglePartETag = ParseBool(bucket, name, value) },
                "sdk-retries" => o with { SdkMaxErrorRetry = ParseInt(bucket, name, value) },
                _ when name.Contains("secret") || name.Contains("access-key") || name.Contains("token") || name.Contains("password") =>
                    throw new StorageException(StorageErrorKind.Configuration,
                        $"The option '{rawName}' looks like a credential; S3 credentials come from the environment (AWS_ACCESS_KEY_ID...), " +
                        "the shared credentials file (profile), or an instance/container role, never from provider options.", "s3://" + bucket),
                _ => throw new StorageException(StorageErrorKind.Configuration,
                    $"Unknown S3 option '{rawName}'. Known options: {string.Join(", ", OptionNames)}.", "s3://" + bucket),
            };
        }
        // The SDK's standard variables for a service endpoint, so plain s3:// addresses reach S3-compatible services too.
        if (o.Endpoint is null && (Environment.GetEnvironmentVariable("AWS_ENDPOINT_URL_S3") ?? Environment.GetEnvironmentVariable("AWS_ENDPOINT_URL")) is { Length: > 0 } env)
            o = o with { Endpoint = ParseEndpoint(bucket, env) };
        o.Validate();
        return o;
    }

    private static string? NullIfEmpty(string value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();

    private static Uri ParseEndpoint(string bucket, string value)
    {
        if (Uri.TryCreate(value.Trim(), UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https")
            return uri;
        throw new StorageException(StorageErrorKind.Configuration, $"The S3 endpoint '{value}' is not an http:// or https:// URL.", "s3://" + bucket);
    }

    private static bool ParseBool(string bucket, string name, string value) => value.Trim().ToLowerInvariant() switch
    {
        "true" or "1" or "yes" or "on" => true,
        "false" or "0" or "no" or "off" => false,
        _ => throw new StorageException(StorageErrorKind.Configuration, $"S3 option '{name}' must be true or false, not '{value}'.", "s3://" + bucket),
    };

    private static int ParseInt(string bucket, string name, string value) =>
        int.TryParse(value.Trim(), out var n) ? n
            : throw new StorageException(StorageErrorKind.Configuration, $"S3 option '{name}' must be a whole number, not '{value}'.", "s3://" + bucket);

    private static T ParseChecksum<T>(string bucket, string name, string value) where T : struct, Enum
    {
        var normalized = value.Trim().Replace('-', '_');
        return Enum.TryParse<T>(normalized, ignoreCase: true, out var result) ? result
            : throw new StorageException(StorageErrorKind.Configuration,
                $"S3 option '{name}' must be when_supported or when_required, not '{value}'.", "s3://" + bucket);
    }

    private static long ParseSize(string bucket, string name, string value) =>
        ByteSize.TryParse(value, out var bytes) ? bytes
            : throw new StorageException(StorageErrorKind.Configuration,
                $"S3 option '{name}' must be a size such as 16MiB, 5MB or 8388608, not '{value}'.", "s3://" + bucket);
}
