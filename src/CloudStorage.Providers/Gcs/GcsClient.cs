using CloudStorage.Core.Errors;
using Google.Cloud.Storage.V1;

namespace CloudStorage.Providers.Gcs;

/// <summary>
/// The provider's <see cref="StorageClient"/>, built on first use (credentials may need the network): the service base
/// URI of the options (an emulator, another endpoint or universe), the credential of <see cref="GcsCredentials"/> or
/// none (emulator, anonymous), and <see cref="GcsHttpClientFactory"/>'s HTTP clients (our timeouts, no SDK retries).
/// A failure to build is not cached, so a fixed environment is picked up on the next call.
/// </summary>
internal sealed class GcsClient(GcsProviderOptions options, GcsCredentials credentials) : IDisposable
{
    /// <summary>The <c>User-Agent</c> application name.</summary>
    public const string ApplicationName = "CloudStorage-PowerShell/0.1";

    private readonly SemaphoreSlim _building = new(1, 1);
    private StorageClient? _client;

    /// <summary>The client (built once).</summary>
    public async Task<StorageClient> GetAsync(CancellationToken ct)
    {
        if (Volatile.Read(ref _client) is { } ready) return ready;
        await _building.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            if (_client is { } built) return built;
            var builder = new StorageClientBuilder
            {
                BaseUri = options.ServiceUri.ToString().TrimEnd('/') + "/storage/v1/",
                HttpClientFactory = new GcsHttpClientFactory(options),
                ApplicationName = ApplicationName,
                // Service accounts get OAuth access tokens from the token endpoint (cached, refreshed before expiry), as
                // before the SDK; the builder's default would sign its own JWTs instead.
                UseJwtAccessWithScopes = false,
            };
            // An emulator gets no authorization at all, as EmulatorDetection.EmulatorOnly does for STORAGE_EMULATOR_HOST
            // (the host may also come from the emulator-host option, so the builder is told directly).
            if (credentials.SendsNoAuthorization) builder.UnauthenticatedAccess = true;
            else builder.GoogleCredential = await credentials.GetCredentialAsync(ct).ConfigureAwait(false);
            if (!options.IsEmulator && options.Endpoint is null && !string.Equals(options.UniverseDomain, "googleapis.com", StringComparison.OrdinalIgnoreCase))
                builder.UniverseDomain = options.UniverseDomain;
            StorageClient client;
            try
            {
                client = await builder.BuildAsync(ct).ConfigureAwait(false);
            }
            catch (Exception e) when (e is InvalidOperationException or ArgumentException)
            {
                throw new StorageException(StorageErrorKind.Configuration,
                    $"The GCS client for 'gs://{options.Bucket}' could not be built: {e.Message}", "gs://" + options.Bucket, null, e);
            }
            Volatile.Write(ref _client, client);
            return client;
        }
        finally
        {
            _building.Release();
        }
    }

    public void Dispose() => _client?.Dispose();
}
