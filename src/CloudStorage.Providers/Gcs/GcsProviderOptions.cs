using CloudStorage.Providers.Common;
using CloudStorage.Core.Errors;
using Google.Apis.Auth.OAuth2;

namespace CloudStorage.Providers.Gcs;

/// <summary>How presigned URLs name the bucket.</summary>
public enum GcsUrlStyle
{
    /// <summary><c>https://storage.googleapis.com/bucket/object</c> (the default).</summary>
    PathStyle,
    /// <summary><c>https://bucket.storage.googleapis.com/object</c>.</summary>
    VirtualHosted,
    /// <summary><c>https://cdn.example.com/object</c>: a domain bound to the bucket (<see cref="GcsProviderOptions.BucketBoundHostname"/>).</summary>
    BucketBoundHostname,
}

/// <summary>Which key signs V4 URLs.</summary>
public enum GcsSigningMode
{
    /// <summary>The credential when it can sign (service-account key, GCE/impersonated through IAM signBlob), else an HMAC key.</summary>
    Auto,
    /// <summary>GOOG4-RSA-SHA256 with the credential's service account.</summary>
    ServiceAccount,
    /// <summary>GOOG4-HMAC-SHA256 with an HMAC key (<c>GCS_HMAC_ACCESS_ID</c>/<c>GCS_HMAC_SECRET</c>).</summary>
    Hmac,
}

/// <summary>An HMAC key of a service account (interoperability/XML API). Its secret is never shown.</summary>
public sealed record GcsHmacKey(string AccessId, string Secret)
{
    /// <summary>The environment variable holding the access id.</summary>
    public const string AccessIdVariable = "GCS_HMAC_ACCESS_ID";

    /// <summary>The environment variable holding the secret.</summary>
    public const string SecretVariable = "GCS_HMAC_SECRET";

    /// <summary>The key from <c>GCS_HMAC_ACCESS_ID</c> and <c>GCS_HMAC_SECRET</c>, or null when either is unset.</summary>
    public static GcsHmacKey? FromEnvironment() =>
        Environment.GetEnvironmentVariable(AccessIdVariable) is { Length: > 0 } id && Environment.GetEnvironmentVariable(SecretVariable) is { Length: > 0 } secret
            ? new GcsHmacKey(id, secret)
            : null;

    /// <summary>Hides the secret.</summary>
    public override string ToString() => $"GcsHmacKey {{ AccessId = {AccessId} }}";
}

/// <summary>
/// How to reach one Google Cloud Storage bucket and move data there. Credentials never come from a registration's
/// options: they are Application Default Credentials (<c>GOOGLE_APPLICATION_CREDENTIALS</c>, gcloud's user
/// credentials, the metadata server on GCE/GKE/Cloud Run), a credentials file named by path, or <see cref="Credential"/>
/// set in code. With <see cref="EmulatorHost"/> (<c>STORAGE_EMULATOR_HOST</c>) no authorization is sent.
/// </summary>
public sealed record GcsProviderOptions
{
    /// <summary>Resumable chunks are multiples of this (256 KiB), except the last.</summary>
    public const int ChunkGranularity = 256 * 1024;

    /// <summary>The longest a V4 signed URL may live (7 days).</summary>
    public static readonly TimeSpan MaxSignedUrlExpiry = TimeSpan.FromDays(7);

    /// <summary>The OAuth scope requested for data access.</summary>
    public const string Scope = "https://www.googleapis.com/auth/devstorage.full_control";

    /// <summary>The bucket.</summary>
    public required string Bucket { get; init; }

    /// <summary>An emulator (<c>http://127.0.0.1:9199</c> or <c>127.0.0.1:9199</c>); no authorization is sent to it.</summary>
    public string? EmulatorHost { get; init; }

    /// <summary>Another JSON API endpoint (<c>https://storage.example.p.googleapis.com</c>); null: <c>https://storage.{UniverseDomain}</c>.</summary>
    public Uri? Endpoint { get; init; }

    /// <summary>The universe domain (default <c>googleapis.com</c>).</summary>
    public string UniverseDomain { get; init; } = "googleapis.com";

    /// <summary>A credentials file (service-account key or gcloud user credentials); null: Application Default Credentials.</summary>
    public string? CredentialsFile { get; init; }

    /// <summary>An explicit credential (programmatic use and tests; registrations never carry secrets).</summary>
    public GoogleCredential? Credential { get; init; }

    /// <summary>Send no authorization at all (public buckets).</summary>
    public bool Anonymous { get; init; }

    /// <summary>An HMAC key for GOOG4-HMAC-SHA256 signed URLs; null: <see cref="GcsHmacKey.FromEnvironment"/>.</summary>
    public GcsHmacKey? HmacKey { get; init; }

    /// <summary>Which key signs URLs.</summary>
    public GcsSigningMode Signing { get; init; } = GcsSigningMode.Auto;

    /// <summary>How signed URLs name the bucket.</summary>
    public GcsUrlStyle UrlStyle { get; init; } = GcsUrlStyle.PathStyle;

    /// <summary>The domain bound to the bucket, for <see cref="GcsUrlStyle.BucketBoundHostname"/> (<c>cdn.example.com</c>).</summary>
    public string? BucketBoundHostname { get; init; }

    /// <summary>The project billed for requester-pays buckets (<c>userProject</c>).</summary>
    public string? UserProject { get; init; }

    /// <summary>Objects up to this size go up in one multipart request (default 8 MiB); larger or longer ones resumably.</summary>
    public long SimpleUploadThreshold { get; init; } = 8L * 1024 * 1024;

    /// <summary>Resumable chunk size, a multiple of 256 KiB (default 16 MiB). One upload holds one chunk in memory.</summary>
    public long ChunkSize { get; init; } = 16L * 1024 * 1024;

    /// <summary>Bytes per objects.rewrite call (null: the service decides); the copy loops on the rewrite token.</summary>
    public long? MaxBytesRewrittenPerCall { get; init; }

    /// <summary>Timeout of one HTTP request until its response headers arrive (default 5 minutes).</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// Retries of one resumable chunk (whose bytes are in memory) and of other single requests whose content is in
    /// memory; null: none. Whole operations are retried by the <see cref="Resilience.ResilientStorageProvider"/>.
    /// </summary>
    public Resilience.StorageResilienceOptions? RequestRetry { get; init; } = new();

    /// <summary>The innermost HTTP handler (tests inject faults here); null: a SocketsHttpHandler.</summary>
    public HttpMessageHandler? HttpHandler { get; init; }

    /// <summary>Connect and read (idle) timeouts of every request (options <c>connect-timeout</c>, <c>read-timeout</c>).</summary>
    public Common.HttpTimeouts Timeouts { get; init; } = new();

    /// <summary>Display name; null for <c>gs://bucket</c>.</summary>
    public string? Name { get; init; }

    /// <summary>The JSON API base URI (scheme, host, port) requests go to.</summary>
    public Uri ServiceUri =>
        EmulatorHost is { } host ? ParseHost(host)
        : Endpoint ?? new Uri("https://storage." + UniverseDomain.Trim().TrimEnd('/') + "/");

    /// <summary>True when requests go to an emulator (no authorization is sent).</summary>
    public bool IsEmulator => EmulatorHost is not null;

    /// <summary>An emulator host with or without a scheme, as <c>STORAGE_EMULATOR_HOST</c> is written.</summary>
    public static Uri ParseHost(string host)
    {
        var text = host.Trim();
        if (!text.Contains("://", StringComparison.Ordinal)) text = "http://" + text;
        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
            throw new StorageException(StorageErrorKind.Configuration, $"The GCS emulator host '{host}' is not a host:port or an http(s) URL.");
        return new Uri(uri.GetLeftPart(UriPartial.Authority) + "/");
    }

    /// <summary>Throws Configuration when a value is out of range.</summary>
    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(Bucket) || Bucket.Contains('/'))
            throw Invalid("a bucket name is required (gs://bucket/...)");
        if (EmulatorHost is { } host) ParseHost(host);
        if (Endpoint is { } e && e.Scheme is not ("http" or "https"))
            throw Invalid($"the endpoint '{e}' must be an http:// or https:// URL");
        if (ChunkSize < ChunkGranularity || ChunkSize % ChunkGranularity != 0 || ChunkSize > 1024L * 1024 * 1024)
            throw Invalid($"chunk-size must be a multiple of 256 KiB between 256 KiB and 1 GiB, not {ChunkSize} bytes");
        if (SimpleUploadThreshold < 0 || SimpleUploadThreshold > 256L * 1024 * 1024)
            throw Invalid("simple-upload-threshold must be between 0 and 256 MiB");
        if (MaxBytesRewrittenPerCall is { } m && (m < 1024 * 1024 || m % (1024 * 1024) != 0))
            throw Invalid("rewrite-bytes-per-call must be a multiple of 1 MiB");
        if (UrlStyle == GcsUrlStyle.BucketBoundHostname && string.IsNullOrWhiteSpace(BucketBoundHostname))
            throw Invalid("url-style bucket-bound-hostname needs bucket-bound-hostname");
        if (RequestTimeout <= TimeSpan.Zero)
            throw Invalid("timeout must be positive");
    }

    private StorageException Invalid(string reason) =>
        new(StorageErrorKind.Configuration, $"GCS provider for bucket '{Bucket}': {reason}.", "gs://" + Bucket);

    /// <summary>Option names a registration may use (case-insensitive).</summary>
    public static IReadOnlyList<string> OptionNames { get; } =
    [
        "emulator-host", "endpoint", "universe-domain", "credentials-file", "anonymous", "signing", "url-style",
        "bucket-bound-hostname", "user-project", "simple-upload-threshold", "chunk-size", "rewrite-bytes-per-call", "timeout",
    ];

    /// <summary>
    /// Options from a registration's dictionary, then <c>STORAGE_EMULATOR_HOST</c> when no endpoint was named. Unknown
    /// names and credential-like names are refused (Configuration): secrets belong in the standard credential places.
    /// </summary>
    public static GcsProviderOptions FromDictionary(string bucket, IReadOnlyDictionary<string, string> values)
    {
        var o = new GcsProviderOptions { Bucket = bucket };
        foreach (var (rawName, value) in values)
        {
            var name = rawName.Trim().ToLowerInvariant().Replace('_', '-');
            o = name switch
            {
                "emulator-host" or "storage-emulator-host" => o with { EmulatorHost = NullIfEmpty(value) },
                "endpoint" => o with { Endpoint = ParseEndpoint(bucket, value) },
                "universe-domain" => o with { UniverseDomain = NullIfEmpty(value) ?? "googleapis.com" },
                "credentials-file" or "credentials" or "key-file" => o with { CredentialsFile = NullIfEmpty(value) },
                "anonymous" => o with { Anonymous = ParseBool(bucket, name, value) },
                "signing" => o with { Signing = ParseEnum<GcsSigningMode>(bucket, name, value) },
                "url-style" => o with { UrlStyle = ParseEnum<GcsUrlStyle>(bucket, name, value) },
                "bucket-bound-hostname" => o with { BucketBoundHostname = NullIfEmpty(value) },
                "user-project" => o with { UserProject = NullIfEmpty(value) },
                "simple-upload-threshold" => o with { SimpleUploadThreshold = ParseSize(bucket, name, value) },
                "chunk-size" => o with { ChunkSize = ParseSize(bucket, name, value) },
                "rewrite-bytes-per-call" => o with { MaxBytesRewrittenPerCall = ParseSize(bucket, name, value) },
                "timeout" => o with { RequestTimeout = ParseSeconds(bucket, name, value) },
                _ when name.Contains("secret") || name.Contains("private-key") || name.Contains("token") || name.Contains("password") || name.Contains("access-id") =>
                    throw new StorageException(StorageErrorKind.Configuration,
                        $"The option '{rawName}' looks like a credential; GCS credentials come from GOOGLE_APPLICATION_CREDENTIALS, gcloud's " +
                        "application default credentials, the metadata server, a credentials-file path, or GCS_HMAC_ACCESS_ID/GCS_HMAC_SECRET, never from provider options.",
                        "gs://" + bucket),
                _ => throw new StorageException(StorageErrorKind.Configuration,
                    $"Unknown GCS option '{rawName}'. Known options: {string.Join(", ", OptionNames)}.", "gs://" + bucket),
            };
        }
        if (o.EmulatorHost is null && o.Endpoint is null && Environment.GetEnvironmentVariable("STORAGE_EMULATOR_HOST") is { Length: > 0 } emulator)
            o = o with { EmulatorHost = emulator };
        o.Validate();
        return o;
    }

    private static string? NullIfEmpty(string value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();

    private static Uri ParseEndpoint(string bucket, string value) =>
        Uri.TryCreate(value.Trim(), UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https" ? uri
            : throw new StorageException(StorageErrorKind.Configuration, $"The GCS endpoint '{value}' is not an http:// or https:// URL.", "gs://" + bucket);

    private static bool ParseBool(string bucket, string name, string value) => value.Trim().ToLowerInvariant() switch
    {
        "true" or "1" or "yes" or "on" => true,
        "false" or "0" or "no" or "off" => false,
        _ => throw new StorageException(StorageErrorKind.Configuration, $"GCS option '{name}' must be true or false, not '{value}'.", "gs://" + bucket),
    };

    private static T ParseEnum<T>(string bucket, string name, string value) where T : struct, Enum =>
        Enum.TryParse<T>(value.Trim().Replace("-", ""), ignoreCase: true, out var result) ? result
            : throw new StorageException(StorageErrorKind.Configuration,
                $"GCS option '{name}' must be one of {string.Join(", ", Enum.GetNames<T>())}, not '{value}'.", "gs://" + bucket);

    private static long ParseSize(string bucket, string name, string value) =>
        ByteSize.TryParse(value, out var bytes) ? bytes
            : throw new StorageException(StorageErrorKind.Configuration,
                $"GCS option '{name}' must be a size such as 16MiB or 8388608, not '{value}'.", "gs://" + bucket);

    private static TimeSpan ParseSeconds(string bucket, string name, string value) =>
        double.TryParse(value.Trim(), System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var s) && s > 0
            ? TimeSpan.FromSeconds(s)
            : throw new StorageException(StorageErrorKind.Configuration, $"GCS option '{name}' must be a number of seconds, not '{value}'.", "gs://" + bucket);
}
