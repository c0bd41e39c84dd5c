using Azure.Identity;
using CloudStorage.Core.Errors;

namespace CloudStorage.Providers.Azure;

/// <summary>
/// Finds the credential (and, from a connection string, the endpoint) for one account in the standard places:
/// <c>AZURE_STORAGE_CONNECTION_STRING</c> (used only when it names the same account), <c>AZURE_STORAGE_KEY</c> and
/// <c>AZURE_STORAGE_SAS_TOKEN</c> (used when <c>AZURE_STORAGE_ACCOUNT</c> is unset or names the same account), then
/// Microsoft Entra ID through Azure.Identity. A credential meant for one account is never sent to another.
/// </summary>
public static class AzureCredentialResolver
{
    /// <summary>The environment variables read.</summary>
    public const string ConnectionStringVariable = "AZURE_STORAGE_CONNECTION_STRING";
    /// <summary>The account the key or SAS token belongs to.</summary>
    public const string AccountVariable = "AZURE_STORAGE_ACCOUNT";
    /// <summary>The account key.</summary>
    public const string KeyVariable = "AZURE_STORAGE_KEY";
    /// <summary>A SAS token.</summary>
    public const string SasTokenVariable = "AZURE_STORAGE_SAS_TOKEN";

    /// <summary>
    /// The options with <see cref="AzureBlobProviderOptions.Credential"/> (and, from a connection string,
    /// <see cref="AzureBlobProviderOptions.Endpoint"/> when not set) filled in. <paramref name="environment"/> reads a
    /// variable (the process environment when null). Configuration when the chosen mode finds nothing.
    /// </summary>
    public static AzureBlobProviderOptions Resolve(AzureBlobProviderOptions options, Func<string, string?>? environment = null)
    {
        if (options.Credential is not null) return options;
        environment ??= Environment.GetEnvironmentVariable;
        var account = options.Account;
        var target = $"az://{account}/{options.Container}";

        string? Env(string name) => environment(name) is { Length: > 0 } v ? v.Trim() : null;
        bool ForThisAccount() => Env(AccountVariable) is not { } named || named.Equals(account, StringComparison.OrdinalIgnoreCase);

        AzureConnectionString? connection = null;
        if (Env(ConnectionStringVariable) is { } text)
        {
            var parsed = AzureConnectionString.Parse(text);
            if (parsed.AccountName.Equals(account, StringComparison.OrdinalIgnoreCase)) connection = parsed;
        }
        AzureBlobProviderOptions With(AzureStorageCredential credential, bool fromConnection) => options with
        {
            Credential = credential,
            Endpoint = options.Endpoint ?? (fromConnection ? connection!.BlobEndpoint : null),
        };

        switch (options.Auth)
        {
            case AzureAuthMode.Auto:
                if (connection is not null && connection.Credential is not AzureAnonymousCredential) return With(connection.Credential, true);
                if (Env(KeyVariable) is { } key && ForThisAccount()) return With(new AzureSharedKeyCredential(account, key), false);
                if (Env(SasTokenVariable) is { } sas && ForThisAccount()) return With(new AzureSasCredential(sas), false);
                return With(EntraId(options), connection is not null);
            case AzureAuthMode.Key:
                if (connection?.Credential is AzureSharedKeyCredential sharedKey) return With(sharedKey, true);
                if (Env(KeyVariable) is { } k && ForThisAccount()) return With(new AzureSharedKeyCredential(account, k), false);
                throw Missing(target, $"no account key for '{account}' was found ({ConnectionStringVariable} for this account, or {KeyVariable} with {AccountVariable})");
            case AzureAuthMode.Sas:
                if (connection?.Credential is AzureSasCredential connectionSas) return With(connectionSas, true);
                if (Env(SasTokenVariable) is { } s && ForThisAccount()) return With(new AzureSasCredential(s), false);
                throw Missing(target, $"no SAS token for '{account}' was found ({ConnectionStringVariable} with SharedAccessSignature, or {SasTokenVariable})");
            case AzureAuthMode.EntraId:
            case AzureAuthMode.ManagedIdentity:
                return With(EntraId(options), connection is not null);
            case AzureAuthMode.Anonymous:
                return With(AzureStorageCredential.Anonymous, connection is not null);
            default:
                throw Missing(target, $"unknown authentication mode {options.Auth}");
        }
    }

    /// <summary>An Entra ID credential: DefaultAzureCredential, or a managed identity only.</summary>
    private static AzureStorageCredential EntraId(AzureBlobProviderOptions options)
    {
        if (options.Auth == AzureAuthMode.ManagedIdentity)
        {
            var identity = options.ManagedIdentityClientId is { } clientId
                ? new ManagedIdentityCredential(ManagedIdentityId.FromUserAssignedClientId(clientId))
                : new ManagedIdentityCredential(ManagedIdentityId.SystemAssigned);
            return AzureStorageCredential.Token(identity, "ManagedIdentityCredential");
        }
        var defaults = new DefaultAzureCredentialOptions();
        if (options.ManagedIdentityClientId is { } id) defaults.ManagedIdentityClientId = id;
        if (options.TenantId is { } tenant) defaults.TenantId = tenant;
        return AzureStorageCredential.Token(new DefaultAzureCredential(defaults), "DefaultAzureCredential");
    }

    private static StorageException Missing(string target, string reason) =>
        new(StorageErrorKind.Configuration, $"Azure provider for '{target}': {reason}.", target);
}
