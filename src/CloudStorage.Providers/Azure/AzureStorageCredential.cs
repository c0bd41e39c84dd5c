using Azure.Core;
using CloudStorage.Core.Errors;

namespace CloudStorage.Providers.Azure;

/// <summary>
/// How requests to one storage account are authorized: a shared key (SharedKey signing and service SAS), a SAS token,
/// a Microsoft Entra ID token (Azure.Identity) or none (public containers). The secret inside is never shown:
/// <see cref="ToString"/> names only the kind.
/// </summary>
public abstract class AzureStorageCredential
{
    private protected AzureStorageCredential() { }

    /// <summary>The kind of credential (<c>SharedKey</c>, <c>SAS</c>, <c>EntraID</c>, <c>Anonymous</c>), for messages.</summary>
    public abstract string Kind { get; }

    /// <summary>An account name and its base64 account key (SharedKey).</summary>
    public static AzureStorageCredential SharedKey(string accountName, string base64Key) => new AzureSharedKeyCredential(accountName, base64Key);

    /// <summary>A SAS token (the query string of a SAS URL, with or without its leading '?').</summary>
    public static AzureStorageCredential Sas(string token) => new AzureSasCredential(token);

    /// <summary>A Microsoft Entra ID token credential (DefaultAzureCredential, ManagedIdentityCredential, ...).</summary>
    public static AzureStorageCredential Token(TokenCredential credential, string? description = null) =>
        new AzureTokenCredential(credential, description ?? credential.GetType().Name);

    /// <summary>No authorization (public-read containers).</summary>
    public static AzureStorageCredential Anonymous { get; } = new AzureAnonymousCredential();

    /// <summary>The kind only, never the secret.</summary>
    public override string ToString() => Kind;
}

/// <summary>SharedKey: the account key, handed only to the SDK's StorageSharedKeyCredential (request signing, service SAS); never printed.</summary>
internal sealed class AzureSharedKeyCredential : AzureStorageCredential
{
    private readonly byte[] _key;

    public AzureSharedKeyCredential(string accountName, string base64Key)
    {
        if (string.IsNullOrWhiteSpace(accountName))
            throw new StorageException(StorageErrorKind.Configuration, "An Azure storage account name is required with an account key.");
        AccountName = accountName.Trim();
        try
        {
            _key = Convert.FromBase64String(base64Key?.Trim() ?? "");
        }
        catch (FormatException)
        {
            // The key is not quoted: a malformed one may still be most of a real one.
            throw new StorageException(StorageErrorKind.Configuration, $"The account key of Azure storage account '{AccountName}' is not valid base64.", AccountName);
        }
        if (_key.Length == 0)
            throw new StorageException(StorageErrorKind.Configuration, $"The account key of Azure storage account '{AccountName}' is empty.", AccountName);
    }

    public string AccountName { get; }

    public override string Kind => "SharedKey";

    /// <summary>The SDK's credential for this key (SharedKey request signing and service SAS); made for each client, never kept.</summary>
    public global::Azure.Storage.StorageSharedKeyCredential ToSdk() => new(AccountName, Convert.ToBase64String(_key));

    /// <summary>True when <paramref name="base64Key"/> is this credential's key (for tests of key handling).</summary>
    internal bool HasKey(string base64Key) => Convert.ToBase64String(_key) == base64Key;
}

/// <summary>A SAS token the SDK appends to every request URL (Azure.Core's AzureSasCredential).</summary>
internal sealed class AzureSasCredential : AzureStorageCredential
{
    public AzureSasCredential(string token)
    {
        var t = (token ?? "").Trim();
        if (t.StartsWith('?')) t = t[1..];
        if (t.Length == 0 || !t.Contains("sig=", StringComparison.Ordinal))
            throw new StorageException(StorageErrorKind.Configuration, "The Azure SAS token is empty or has no signature (sig=...).");
        Query = t;
    }

    /// <summary>The token without a leading '?'.</summary>
    internal string Query { get; }

    public override string Kind => "SAS";
}

/// <summary>A Microsoft Entra ID (OAuth) token credential (Azure.Core's TokenCredential, e.g. DefaultAzureCredential).</summary>
internal sealed class AzureTokenCredential(TokenCredential credential, string description) : AzureStorageCredential
{
    public TokenCredential Credential { get; } = credential;

    public string Description { get; } = description;

    public override string Kind => "EntraID";

    public override string ToString() => $"EntraID ({Description})";
}

internal sealed class AzureAnonymousCredential : AzureStorageCredential
{
    public override string Kind => "Anonymous";
}
