using System.Text.Json;
using CloudStorage.Core.Errors;
using Google.Apis.Auth.OAuth2;

namespace CloudStorage.Providers.Gcs;

/// <summary>
/// The provider's Google credential, resolved on first use through Google.Apis.Auth: an explicit credential, a
/// credentials file, or Application Default Credentials (<c>GOOGLE_APPLICATION_CREDENTIALS</c>, gcloud's user
/// credentials, the GCE/GKE/Cloud Run metadata server). The SDK's HTTP client asks it for an access token for every
/// request; the library caches tokens and refreshes them before they expire. Nothing here ever formats a token.
/// </summary>
internal sealed class GcsCredentials
{
    private readonly GcsProviderOptions _options;
    private readonly SemaphoreSlim _resolving = new(1, 1);
    private GoogleCredential? _credential;

    public GcsCredentials(GcsProviderOptions options) => _options = options;

    /// <summary>True when requests carry no authorization (emulator or anonymous access).</summary>
    public bool SendsNoAuthorization => _options.IsEmulator || _options.Anonymous;

    private string Target => "gs://" + _options.Bucket;

    /// <summary>The credential (resolved once; a failure is not cached, so a fixed environment is picked up).</summary>
    public async Task<GoogleCredential> GetCredentialAsync(CancellationToken ct)
    {
        if (_credential is { } ready) return ready;
        await _resolving.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            return _credential ??= Scoped(await ResolveAsync(ct).ConfigureAwait(false));
        }
        finally
        {
            _resolving.Release();
        }
    }

    /// <summary>The credential when one was given or can be found without asking the network, else null (for signing).</summary>
    public async Task<GoogleCredential?> TryGetCredentialAsync(CancellationToken ct)
    {
        if (_options.Credential is null && _options.CredentialsFile is null && _options.IsEmulator) return null;
        try
        {
            return await GetCredentialAsync(ct).ConfigureAwait(false);
        }
        catch (StorageException e) when (e.Kind == StorageErrorKind.Configuration)
        {
            return null;
        }
    }

    private static GoogleCredential Scoped(GoogleCredential credential) =>
        credential.IsCreateScopedRequired ? credential.CreateScoped(GcsProviderOptions.Scope) : credential;

    private async Task<GoogleCredential> ResolveAsync(CancellationToken ct)
    {
        if (_options.Credential is { } explicitCredential) return explicitCredential;
        if (_options.CredentialsFile is { } path) return FromFile(path);
        try
        {
            return await GoogleCredential.GetApplicationDefaultAsync(ct).ConfigureAwait(false);
        }
        catch (InvalidOperationException e)
        {
            throw new StorageException(StorageErrorKind.Configuration,
                $"No Google credentials were found for '{Target}': set GOOGLE_APPLICATION_CREDENTIALS to a service-account key file, " +
                "run 'gcloud auth application-default login', run on GCE/GKE/Cloud Run, or register the provider with a credentials-file. " +
                $"({e.Message})", Target, null, e);
        }
    }

    /// <summary>A service-account key or gcloud user-credentials file, by its <c>type</c>.</summary>
    private GoogleCredential FromFile(string path)
    {
        string type;
        try
        {
            using var stream = File.OpenRead(path);
            using var doc = JsonDocument.Parse(stream);
            type = doc.RootElement.TryGetProperty("type", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString()! : "";
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or JsonException)
        {
            throw new StorageException(StorageErrorKind.Configuration, $"The Google credentials file '{path}' could not be read: {e.GetType().Name}.", Target, null, e);
        }
        if (type is not (JsonCredentialParameters.ServiceAccountCredentialType or JsonCredentialParameters.AuthorizedUserCredentialType
            or JsonCredentialParameters.ExternalAccountCredentialType or JsonCredentialParameters.ImpersonatedServiceAccountCredentialType))
            throw new StorageException(StorageErrorKind.Configuration,
                $"The Google credentials file '{path}' has type '{type}'; expected service_account, authorized_user, external_account or impersonated_service_account.", Target);
        try
        {
            return CredentialFactory.FromFile(path, type);
        }
        catch (Exception e) when (e is InvalidOperationException or ArgumentException or FormatException or System.Security.Cryptography.CryptographicException)
        {
            throw new StorageException(StorageErrorKind.Configuration, $"The Google credentials file '{path}' is not valid ({e.GetType().Name}).", Target, null, e);
        }
    }
}
