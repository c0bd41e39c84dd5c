using CloudStorage.Core.Errors;

namespace CloudStorage.Providers.Azure;

/// <summary>
/// A parsed storage connection string: the account, its blob endpoint and a credential (account key or SAS).
/// Understands <c>UseDevelopmentStorage=true</c> (Azurite's well-known account), explicit <c>BlobEndpoint</c>s and
/// <c>DefaultEndpointsProtocol</c>/<c>EndpointSuffix</c>. Parse errors never quote the string, which holds a secret.
/// </summary>
public sealed record AzureConnectionString
{
    /// <summary>Azurite's and the storage emulator's account (a published development account, not a secret).</summary>
    public const string DevelopmentAccount = "devstoreaccount1";

    /// <summary>The published key of <see cref="DevelopmentAccount"/>.</summary>
    public const string DevelopmentKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    /// <summary>The account name.</summary>
    public required string AccountName { get; init; }

    /// <summary>The blob service endpoint of the account (<c>https://acct.blob.core.windows.net</c>, <c>http://127.0.0.1:10000/devstoreaccount1</c>).</summary>
    public required Uri BlobEndpoint { get; init; }

    /// <summary>The credential it carries (shared key, SAS, or anonymous when it has neither).</summary>
    public required AzureStorageCredential Credential { get; init; }

    /// <summary>Parses a connection string; Configuration when it is malformed (the text is not repeated).</summary>
    public static AzureConnectionString Parse(string connectionString)
    {
        var values = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var part in (connectionString ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var eq = part.IndexOf('=');
            if (eq <= 0) throw Invalid("every part must be Name=Value");
            values[part[..eq].Trim()] = part[(eq + 1)..].Trim();
        }
        if (values.Count == 0) throw Invalid("it is empty");

        if (values.TryGetValue("UseDevelopmentStorage", out var dev) && dev.Equals("true", StringComparison.OrdinalIgnoreCase))
        {
            var proxy = values.TryGetValue("DevelopmentStorageProxyUri", out var p) && Uri.TryCreate(p, UriKind.Absolute, out var proxyUri)
                ? proxyUri : new Uri("http://127.0.0.1");
            var endpoint = new UriBuilder(proxy.Scheme, proxy.Host, proxy.IsDefaultPort ? 10000 : proxy.Port, "/" + DevelopmentAccount).Uri;
            return new AzureConnectionString
            {
                AccountName = DevelopmentAccount,
                BlobEndpoint = endpoint,
                Credential = new AzureSharedKeyCredential(DevelopmentAccount, DevelopmentKey),
            };
        }

        values.TryGetValue("AccountName", out var account);
        Uri? blobEndpoint = null;
        if (values.TryGetValue("BlobEndpoint", out var explicitEndpoint))
        {
            if (!Uri.TryCreate(explicitEndpoint, UriKind.Absolute, out blobEndpoint) || blobEndpoint.Scheme is not ("http" or "https"))
                throw Invalid("BlobEndpoint is not an http:// or https:// URL");
        }
        account ??= blobEndpoint is null ? null : AccountFromEndpoint(blobEndpoint);
        if (string.IsNullOrEmpty(account)) throw Invalid("it names no AccountName (nor a BlobEndpoint to take it from)");
        if (blobEndpoint is null)
        {
            var protocol = values.TryGetValue("DefaultEndpointsProtocol", out var proto) ? proto.ToLowerInvariant() : "https";
            if (protocol is not ("http" or "https")) throw Invalid("DefaultEndpointsProtocol must be http or https");
            var suffix = values.TryGetValue("EndpointSuffix", out var s) && s.Length > 0 ? s : "core.windows.net";
            blobEndpoint = new Uri($"{protocol}://{account}.blob.{suffix}");
        }

        AzureStorageCredential credential;
        if (values.TryGetValue("AccountKey", out var key) && key.Length > 0)
            credential = new AzureSharedKeyCredential(account, key);
        else if (values.TryGetValue("SharedAccessSignature", out var sas) && sas.Length > 0)
            credential = new AzureSasCredential(sas);
        else
            credential = AzureStorageCredential.Anonymous;
        return new AzureConnectionString { AccountName = account, BlobEndpoint = blobEndpoint, Credential = credential };
    }

    /// <summary>The account of an endpoint: the first label of <c>acct.blob.core.windows.net</c>, or the first path segment of a path-style (emulator) endpoint.</summary>
    public static string? AccountFromEndpoint(Uri endpoint)
    {
        var path = endpoint.AbsolutePath.Trim('/');
        if (path.Length > 0) return path.Split('/')[0];
        var dot = endpoint.Host.IndexOf('.');
        return dot > 0 && !System.Net.IPAddress.TryParse(endpoint.Host, out _) ? endpoint.Host[..dot] : null;
    }

    private static StorageException Invalid(string reason) =>
        new(StorageErrorKind.Configuration, $"The Azure storage connection string is not valid: {reason}.");

    /// <summary>Names the account and endpoint, never the key or signature.</summary>
    public override string ToString() => $"AccountName={AccountName};BlobEndpoint={BlobEndpoint};Credential={Credential.Kind}";
}
