using CloudStorage.Core.Addressing;
using CloudStorage.Core.Errors;
using CloudStorage.Providers.Common;
using CloudStorage.Providers.Resilience;
using CloudStorage.Core.Providers;

namespace CloudStorage.Providers.Azure;

/// <summary>
/// Creates providers for <c>az://account/container/...</c> addresses and Azure registrations: an
/// <see cref="AzureBlobStorageProvider"/> inside a <see cref="ResilientStorageProvider"/>. Options: see
/// <see cref="AzureBlobProviderOptions.OptionNames"/>, plus <c>retries</c> (attempts after the first, default 4).
/// Credentials come from the standard places (<see cref="AzureCredentialResolver"/>), read through
/// <c>environment</c> (the process environment unless a host or a test gives another source).
/// </summary>
public sealed class AzureBlobProviderFactory : IProviderFactory
{
    private readonly StorageResilienceOptions _resilience;
    private readonly Func<string, string?> _environment;

    /// <summary>A factory whose providers retry with <paramref name="resilience"/> (defaults when null) and read credentials through <paramref name="environment"/>.</summary>
    public AzureBlobProviderFactory(StorageResilienceOptions? resilience = null, Func<string, string?>? environment = null)
    {
        _resilience = resilience ?? new StorageResilienceOptions();
        _environment = environment ?? Environment.GetEnvironmentVariable;
    }

    /// <inheritdoc />
    public string Scheme => "az";

    /// <inheritdoc />
    public IStorageProvider Create(StorageUri uri, IReadOnlyDictionary<string, string> options)
    {
        if (!string.Equals(uri.Scheme, Scheme, StringComparison.OrdinalIgnoreCase) || string.IsNullOrEmpty(uri.Account) || string.IsNullOrEmpty(uri.Container))
            throw new StorageException(StorageErrorKind.InvalidArgument, $"'{uri.Original}' is not an az://account/container address.", uri.Original);
        var (resilience, withTimeouts) = RetriesOption.Split(options, _resilience, "Azure", uri);
        var (timeouts, azureOptions) = HttpTimeouts.Split(withTimeouts, "Azure", uri);
        var parsed = AzureBlobProviderOptions.FromDictionary(uri.Account, uri.Container, azureOptions) with { Timeouts = timeouts, PartRetry = resilience };
        parsed.Validate();
        var resolved = AzureCredentialResolver.Resolve(parsed, _environment);
        return new ResilientStorageProvider(new AzureBlobStorageProvider(resolved), resilience);
    }
}
