using CloudStorage.Core.Addressing;
using CloudStorage.Core.Errors;
using CloudStorage.Providers.Common;
using CloudStorage.Providers.Resilience;
using CloudStorage.Core.Providers;

namespace CloudStorage.Providers.S3;

/// <summary>
/// Creates providers for <c>s3://bucket/...</c> addresses and S3 registrations: an <see cref="S3StorageProvider"/>
/// inside a <see cref="ResilientStorageProvider"/>. Options: see <see cref="S3ProviderOptions.OptionNames"/>, plus
/// <c>retries</c> (attempts after the first, default 4).
/// </summary>
public sealed class S3ProviderFactory : IProviderFactory
{
    private readonly StorageResilienceOptions _resilience;

    /// <summary>A factory whose providers retry with <paramref name="resilience"/> (defaults when null).</summary>
    public S3ProviderFactory(StorageResilienceOptions? resilience = null) => _resilience = resilience ?? new StorageResilienceOptions();

    /// <inheritdoc />
    public string Scheme => "s3";

    /// <inheritdoc />
    public IStorageProvider Create(StorageUri uri, IReadOnlyDictionary<string, string> options)
    {
        if (!string.Equals(uri.Scheme, Scheme, StringComparison.OrdinalIgnoreCase) || string.IsNullOrEmpty(uri.Container))
            throw new StorageException(StorageErrorKind.InvalidArgument, $"'{uri.Original}' is not an s3://bucket address.", uri.Original);
        var (resilience, withTimeouts) = RetriesOption.Split(options, _resilience, "S3", uri);
        var (timeouts, s3Options) = HttpTimeouts.Split(withTimeouts, "S3", uri);
        var parsed = S3ProviderOptions.FromDictionary(uri.Container, s3Options) with { Timeouts = timeouts, PartRetry = resilience };
        return new ResilientStorageProvider(new S3StorageProvider(parsed), resilience);
    }
}
