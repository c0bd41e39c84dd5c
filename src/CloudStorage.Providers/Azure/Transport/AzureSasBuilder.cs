using System.Security.Cryptography;
using System.Text;

namespace CloudStorage.Providers.Azure.Transport;

/// <summary>
/// Blob SAS tokens (signed version <see cref="AzureBlobProviderOptions.ServiceVersion"/>): a service SAS signed with
/// the account key, or a user-delegation SAS signed with a user-delegation key (Entra ID). The canonicalized resource
/// is <c>/blob/account/container/blob</c> with the blob name as stored (not percent-encoded).
/// </summary>
internal static class AzureSasBuilder
{
    /// <summary>What a SAS grants.</summary>
    public sealed record Grant
    {
        public required string Container { get; init; }
        public required string Blob { get; init; }
        /// <summary>Permissions in the documented order (<c>r</c>, <c>cw</c>, <c>d</c>).</summary>
        public required string Permissions { get; init; }
        public DateTimeOffset? StartsOn { get; init; }
        public required DateTimeOffset ExpiresOn { get; init; }
        /// <summary><c>https</c>, or null for https and http (the emulator speaks http).</summary>
        public string? Protocol { get; init; }
        /// <summary>The Content-Type the service answers a GET with (rsct).</summary>
        public string? ResponseContentType { get; init; }
    }

    public static string CanonicalResource(string account, string container, string blob) => $"/blob/{account}/{container}/{blob}";

    /// <summary>A service SAS query string signed with the account key.</summary>
    public static string ServiceSas(AzureSharedKeyCredential key, Grant grant)
    {
        var version = AzureBlobProviderOptions.ServiceVersion;
        var start = grant.StartsOn is { } s ? AzureBlobXml.SasTime(s) : "";
        var expiry = AzureBlobXml.SasTime(grant.ExpiresOn);
        var stringToSign = string.Join('\n',
            grant.Permissions, start, expiry, CanonicalResource(key.AccountName, grant.Container, grant.Blob),
            "", // signedIdentifier
            "", // signedIP
            grant.Protocol ?? "",
            version,
            "b", // signedResource
            "", // signedSnapshotTime
            "", // signedEncryptionScope
            "", "", "", "", // rscc, rscd, rsce, rscl
            grant.ResponseContentType ?? "");
        return Query(grant, version, start, expiry, key.Sign(stringToSign), null);
    }

    /// <summary>A user-delegation SAS query string signed with <paramref name="key"/>.</summary>
    public static string UserDelegationSas(string account, AzureUserDelegationKey key, Grant grant)
    {
        var version = AzureBlobProviderOptions.ServiceVersion;
        var start = grant.StartsOn is { } s ? AzureBlobXml.SasTime(s) : "";
        var expiry = AzureBlobXml.SasTime(grant.ExpiresOn);
        var stringToSign = string.Join('\n',
            grant.Permissions, start, expiry, CanonicalResource(account, grant.Container, grant.Blob),
            key.SignedObjectId, key.SignedTenantId, key.SignedStart, key.SignedExpiry, key.SignedService, key.SignedVersion,
            "", // signedAuthorizedUserObjectId
            "", // signedUnauthorizedUserObjectId
            "", // signedCorrelationId
            "", // signedIP
            grant.Protocol ?? "",
            version,
            "b", // signedResource
            "", // signedSnapshotTime
            "", // signedEncryptionScope
            "", "", "", "", // rscc, rscd, rsce, rscl
            grant.ResponseContentType ?? "");
        var signature = Convert.ToBase64String(HMACSHA256.HashData(Convert.FromBase64String(key.Value), Encoding.UTF8.GetBytes(stringToSign)));
        return Query(grant, version, start, expiry, signature, key);
    }

    private static string Query(Grant grant, string version, string start, string expiry, string signature, AzureUserDelegationKey? key)
    {
        var parts = new List<(string, string)> { ("sv", version) };
        if (start.Length > 0) parts.Add(("st", start));
        parts.Add(("se", expiry));
        parts.Add(("sr", "b"));
        parts.Add(("sp", grant.Permissions));
        if (grant.Protocol is { } protocol) parts.Add(("spr", protocol));
        if (key is not null)
        {
            parts.Add(("skoid", key.SignedObjectId));
            parts.Add(("sktid", key.SignedTenantId));
            parts.Add(("skt", key.SignedStart));
            parts.Add(("ske", key.SignedExpiry));
            parts.Add(("sks", key.SignedService));
            parts.Add(("skv", key.SignedVersion));
        }
        if (grant.ResponseContentType is { } rsct) parts.Add(("rsct", rsct));
        parts.Add(("sig", signature));
        return string.Join('&', parts.Select(p => p.Item1 + "=" + Uri.EscapeDataString(p.Item2)));
    }
}
