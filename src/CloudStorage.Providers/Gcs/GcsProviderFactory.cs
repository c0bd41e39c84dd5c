using CloudStorage.Core.Addressing;
using CloudStorage.Core.Errors;
using CloudStorage.Providers.Common;
using CloudStorage.Providers.Resilience;
using CloudStorage.Core.Providers;

namespace CloudStorage.Providers.Gcs;

/// <summary>
/// Creates providers for <c>gs://bucket/...</c> addresses and GCS registrations: a <see cref="GcsStorageProvider"/>
/// inside a <see cref="ResilientStorageProvider"/>. Options: see <see cref="GcsProviderOptions.OptionNames"/>, plus
/// <c>retries</c> (attempts after the first, default 4). <c>STORAGE_EMULATOR_HOST</c> is honoured.
/// </summary>
public sealed class GcsProviderFactory : IProviderFactory
{
    private readonly StorageResilienceOptions _resilience;

    /// <summary>A factory whose providers retry with <paramref name="resilience"/> (defaults when null).</summary>
    public GcsProviderFactory(StorageResilienceOptions? resilience = null) => _resilience = resilience ?? new StorageResilienceOptions();

    /// <inheritdoc />
    public string Scheme => "gs";

    /// <inheritdoc />
    public IStorageProvider Create(StorageUri uri, IReadOnlyDictionary<string, string> options)
    {
        if (!string.Equals(uri.Scheme, Scheme, StringComparison.OrdinalIgnoreCase) || string.IsNullOrEmpty(uri.Container))
            throw new StorageException(StorageErrorKind.InvalidArgument, $"'{uri.Original}' is not a gs://bucket address.", uri.Original);
        var (resilience, withTimeouts) = RetriesOption.Split(options, _resilience, "GCS", uri);
        var (timeouts, gcsOptions) = HttpTimeouts.Split(withTimeouts, "GCS", uri);
        var parsed = GcsProviderOptions.FromDictionary(uri.Container, gcsOptions) with { Timeouts = timeouts, RequestRetry = resilience };
        return new ResilientStorageProvider(new GcsStorageProvider(parsed), resilience);
    }
}
