using System.Globalization;
using System.Text.RegularExpressions;
using Azure.Core.Pipeline;
using CloudStorage.Core.Errors;

namespace CloudStorage.Providers.Azure;

/// <summary>How Azure Blob Storage is authenticated when no credential is given in code.</summary>
public enum AzureAuthMode
{
    /// <summary>The standard places in order: AZURE_STORAGE_CONNECTION_STRING, AZURE_STORAGE_KEY, AZURE_STORAGE_SAS_TOKEN, then Entra ID (DefaultAzureCredential).</summary>
    Auto,
    /// <summary>Only the account key (AZURE_STORAGE_KEY, or the key of AZURE_STORAGE_CONNECTION_STRING).</summary>
    Key,
    /// <summary>Only a SAS token (AZURE_STORAGE_SAS_TOKEN, or the SAS of AZURE_STORAGE_CONNECTION_STRING).</summary>
    Sas,
    /// <summary>Microsoft Entra ID through Azure.Identity's DefaultAzureCredential (environment, workload identity, managed identity, Azure CLI, ...).</summary>
    EntraId,
    /// <summary>Microsoft Entra ID through a managed identity only (system-assigned, or user-assigned with a client id).</summary>
    ManagedIdentity,
    /// <summary>No authorization: public-read containers.</summary>
    Anonymous,
}

/// <summary>
/// How to reach one Azure Blob Storage container and how to move data there. Credentials never come from a
/// registration's options: they are given in code (<see cref="Credential"/>) or found in the standard places
/// (<see cref="AzureAuthMode.Auto"/>). Printing the options shows the credential's kind only.
/// </summary>
public sealed partial record AzureBlobProviderOptions
{
    /// <summary>The most blocks one block blob may have.</summary>
    public const int MaxBlocks = 50_000;

    /// <summary>The largest block this provider stages (Azure takes up to 4000 MiB; a block is held in one array).</summary>
    public const long MaxBlockSize = 2000L * 1024 * 1024;

    /// <summary>The smallest block size that may be configured.</summary>
    public const long MinBlockSize = 64L * 1024;

    /// <summary>The largest blob one Put Blob request may carry (Azure takes up to 5000 MiB).</summary>
    public const long MaxSingleUploadSize = 256L * 1024 * 1024;

    /// <summary>The largest source Copy Blob From URL accepts.</summary>
    public const long MaxSyncCopySize = 256L * 1024 * 1024;

    /// <summary>The REST API version the SDK speaks (x-ms-version; <see cref="AzureBlobClients.Version"/>). SAS carry the SDK's own signed version (sv).</summary>
    public const string ServiceVersion = "2024-11-04";

    /// <summary>The storage account.</summary>
    public required string Account { get; init; }

    /// <summary>The container.</summary>
    public required string Container { get; init; }

    /// <summary>The account's blob endpoint; null: <c>https://ACCOUNT.blob.core.windows.net</c>. An endpoint with a path (Azurite's <c>http://127.0.0.1:10000/devstoreaccount1</c>) is used path-style.</summary>
    public Uri? Endpoint { get; init; }

    /// <summary>The credential; null: found through <see cref="Auth"/> in the standard places.</summary>
    public AzureStorageCredential? Credential { get; init; }

    /// <summary>Where to look for a credential when <see cref="Credential"/> is null.</summary>
    public AzureAuthMode Auth { get; init; } = AzureAuthMode.Auto;

    /// <summary>Client id of a user-assigned managed identity (Entra ID modes).</summary>
    public string? ManagedIdentityClientId { get; init; }

    /// <summary>Tenant for Entra ID (DefaultAzureCredential's tenant).</summary>
    public string? TenantId { get; init; }

    /// <summary>Objects of known length up to this go up in one Put Blob (default 16 MiB, at most 256 MiB).</summary>
    public long SingleUploadThreshold { get; init; } = 16L * 1024 * 1024;

    /// <summary>Block size for streams of unknown length, and the smallest block for known lengths (default 8 MiB); grown for known lengths to stay within 50,000 blocks.</summary>
    public long BlockSize { get; init; } = 8L * 1024 * 1024;

    /// <summary>Blocks uploaded at once. Memory held by one upload is at most this × block size.</summary>
    public int Concurrency { get; init; } = 4;

    /// <summary>Server-side copies up to this use Copy Blob From URL (one synchronous request); larger ones use Copy Blob and wait for it (default and maximum 256 MiB).</summary>
    public long CopyThreshold { get; init; } = MaxSyncCopySize;

    /// <summary>How often a pending Copy Blob is looked at, at first (doubling up to 5 s).</summary>
    public TimeSpan CopyPollInterval { get; init; } = TimeSpan.FromMilliseconds(200);

    /// <summary>The longest a presigned URL (SAS) may be valid: 7 days (the limit of user-delegation SAS; kept for key-signed SAS too).</summary>
    public TimeSpan MaxPresignExpiry { get; init; } = TimeSpan.FromDays(7);

    /// <summary>Retries of single blocks, whose bytes are in memory; null: none. Whole operations are retried by the resilience decorator.</summary>
    public Resilience.StorageResilienceOptions? PartRetry { get; init; } = new();

    /// <summary>The HTTP transport the SDK sends through (tests inject a scripted one); null: an HttpClient transport with <see cref="Timeouts"/> on its handler.</summary>
    public HttpPipelineTransport? Transport { get; init; }

    /// <summary>Connect and read (idle) timeouts of every request (options <c>connect-timeout</c>, <c>read-timeout</c>).</summary>
    public Common.HttpTimeouts Timeouts { get; init; } = new();

    /// <summary>Display name; null for <c>az://account/container</c>.</summary>
    public string? Name { get; init; }

    /// <summary>The blob endpoint in force.</summary>
    public Uri EffectiveEndpoint => Endpoint ?? new Uri($"https://{Account}.blob.core.windows.net");

    /// <summary>Throws Configuration when a value is out of range.</summary>
    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(Account) || !AccountPattern().IsMatch(Account))
            throw Invalid($"'{Account}' is not a storage account name (3-24 lowercase letters and digits)");
        if (string.IsNullOrWhiteSpace(Container) || !ContainerPattern().IsMatch(Container) || Container.Contains("--"))
            throw Invalid($"'{Container}' is not a container name (3-63 lowercase letters, digits and single hyphens)");
        if (Endpoint is { } e && e.Scheme is not ("http" or "https"))
            throw Invalid($"the endpoint '{e}' must be an http:// or https:// URL");
        if (BlockSize < MinBlockSize || BlockSize > MaxBlockSize)
            throw Invalid($"block-size must be between 64 KiB and 2000 MiB, not {BlockSize} bytes");
        if (SingleUploadThreshold < 0 || SingleUploadThreshold > MaxSingleUploadSize)
            throw Invalid("single-upload-threshold must be between 0 and 256 MiB");
        if (Concurrency is < 1 or > 64)
            throw Invalid($"concurrency must be between 1 and 64, not {Concurrency}");
        if (CopyThreshold < 0 || CopyThreshold > MaxSyncCopySize)
            throw Invalid("copy-threshold must be between 0 and 256 MiB");
        if (CopyPollInterval <= TimeSpan.Zero)
            throw Invalid("the copy poll interval must be positive");
        if (MaxPresignExpiry <= TimeSpan.Zero)
            throw Invalid("the longest presign expiry must be positive");
    }

    private StorageException Invalid(string reason) =>
        new(StorageErrorKind.Configuration, $"Azure provider for 'az://{Account}/{Container}': {reason}.", $"az://{Account}/{Container}");

    // Azurite's development account and real accounts alike: 3-24 lowercase letters and digits.
    [GeneratedRegex("^[a-z0-9]{3,24}$")]
    private static partial Regex AccountPattern();

    // "$root" and "$web" are the two special containers.
    [GeneratedRegex(@"^(\$root|\$web|[a-z0-9][a-z0-9-]{1,61}[a-z0-9])$")]
    private static partial Regex ContainerPattern();

    /// <summary>Option names a registration may use (case-insensitive).</summary>
    public static IReadOnlyList<string> OptionNames { get; } =
    [
        "endpoint", "auth", "managed-identity-client-id", "tenant-id", "single-upload-threshold", "block-size",
        "concurrency", "copy-threshold",
    ];

    /// <summary>
    /// Options from a registration's dictionary. Unknown names and credential-like names (keys, SAS, tokens,
    /// connection strings) are refused with Configuration: secrets belong in the standard places.
    /// </summary>
    public static AzureBlobProviderOptions FromDictionary(string account, string container, IReadOnlyDictionary<string, string> values)
    {
        var o = new AzureBlobProviderOptions { Account = account, Container = container };
        var target = $"az://{account}/{container}";
        foreach (var (rawName, value) in values)
        {
            var name = rawName.Trim().ToLowerInvariant().Replace('_', '-');
            o = name switch
            {
                "endpoint" or "blob-endpoint" => o with { Endpoint = ParseEndpoint(target, value) },
                "auth" or "authentication" => o with { Auth = ParseAuth(target, value) },
                "managed-identity-client-id" or "client-id" => o with { ManagedIdentityClientId = NullIfEmpty(value) },
                "tenant-id" or "tenant" => o with { TenantId = NullIfEmpty(value) },
                "single-upload-threshold" or "multipart-threshold" => o with { SingleUploadThreshold = ParseSize(target, name, value) },
                "block-size" or "chunk-size" or "part-size" => o with { BlockSize = ParseSize(target, name, value) },
                "concurrency" => o with { Concurrency = ParseInt(target, name, value) },
                "copy-threshold" => o with { CopyThreshold = ParseSize(target, name, value) },
                _ when LooksLikeSecret(name) =>
                    throw new StorageException(StorageErrorKind.Configuration,
                        $"The option '{rawName}' looks like a credential; Azure credentials come from AZURE_STORAGE_CONNECTION_STRING, " +
                        "AZURE_STORAGE_ACCOUNT with AZURE_STORAGE_KEY or AZURE_STORAGE_SAS_TOKEN, or Microsoft Entra ID, never from provider options.", target),
                _ => throw new StorageException(StorageErrorKind.Configuration,
                    $"Unknown Azure option '{rawName}'. Known options: {string.Join(", ", OptionNames)}.", target),
            };
        }
        return o;
    }

    private static bool LooksLikeSecret(string name) =>
        name.Contains("key") || name.Contains("secret") || name.Contains("token") || name.Contains("password")
        || name.Contains("sas") || name.Contains("signature") || name.Contains("connection");

    private static string? NullIfEmpty(string value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();

    private static Uri ParseEndpoint(string target, string value)
    {
        if (Uri.TryCreate(value.Trim(), UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https" && string.IsNullOrEmpty(uri.Query))
            return uri;
        throw new StorageException(StorageErrorKind.Configuration, $"The Azure blob endpoint must be an http:// or https:// URL without a query.", target);
    }

    private static AzureAuthMode ParseAuth(string target, string value) => value.Trim().ToLowerInvariant().Replace("_", "-") switch
    {
        "auto" or "" => AzureAuthMode.Auto,
        "key" or "shared-key" or "sharedkey" => AzureAuthMode.Key,
        "sas" => AzureAuthMode.Sas,
        "entra" or "entra-id" or "entraid" or "aad" or "default" or "default-azure-credential" => AzureAuthMode.EntraId,
        "managed-identity" or "msi" => AzureAuthMode.ManagedIdentity,
        "anonymous" or "none" => AzureAuthMode.Anonymous,
        _ => throw new StorageException(StorageErrorKind.Configuration,
            $"Azure option 'auth' must be auto, key, sas, entra, managed-identity or anonymous, not '{value}'.", target),
    };

    private static int ParseInt(string target, string name, string value) =>
        int.TryParse(value.Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) ? n
            : throw new StorageException(StorageErrorKind.Configuration, $"Azure option '{name}' must be a whole number, not '{value}'.", target);

    [GeneratedRegex(@"^\s*(?<n>\d+(\.\d+)?)\s*(?<u>[KMGT]?)(i?B)?\s*$", RegexOptions.IgnoreCase)]
    private static partial Regex SizePattern();

    /// <summary>Sizes as <c>8388608</c>, <c>8MiB</c>, <c>8MB</c> (powers of 1024).</summary>
    internal static long ParseSize(string target, string name, string value)
    {
        var m = SizePattern().Match(value ?? "");
        if (m.Success)
        {
            var n = double.Parse(m.Groups["n"].Value, CultureInfo.InvariantCulture);
            var factor = m.Groups["u"].Value.ToUpperInvariant() switch { "K" => 1L << 10, "M" => 1L << 20, "G" => 1L << 30, "T" => 1L << 40, _ => 1L };
            if (n * factor <= long.MaxValue) return (long)Math.Round(n * factor);
        }
        throw new StorageException(StorageErrorKind.Configuration, $"Azure option '{name}' must be a size such as 8MiB, 4MB or 8388608, not '{value}'.", target);
    }
}
