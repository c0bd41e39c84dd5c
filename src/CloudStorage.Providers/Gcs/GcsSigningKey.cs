using System.Security.Cryptography;
using System.Text;
using Google.Apis.Auth.OAuth2;

namespace CloudStorage.Providers.Gcs;

/// <summary>A key that signs V4 URLs: a service account's RSA key (GOOG4-RSA-SHA256) or an HMAC key (GOOG4-HMAC-SHA256).</summary>
public interface IGcsSigningKey
{
    /// <summary><c>GOOG4-RSA-SHA256</c> or <c>GOOG4-HMAC-SHA256</c>.</summary>
    string Algorithm { get; }

    /// <summary>The service account's e-mail or the HMAC access id (first part of <c>X-Goog-Credential</c>).</summary>
    string CredentialId { get; }

    /// <summary>The raw signature of <paramref name="stringToSign"/>; <paramref name="dateStamp"/> (yyyyMMdd) scopes HMAC keys.</summary>
    Task<byte[]> SignAsync(byte[] stringToSign, string dateStamp, CancellationToken cancellationToken);
}

/// <summary>RSA-SHA256 through Google.Apis.Auth's blob signer: locally with a service-account key, or IAM signBlob on GCE.</summary>
public sealed class GcsRsaSigningKey : IGcsSigningKey
{
    private readonly IBlobSigner _signer;

    /// <summary>A key that signs as <paramref name="serviceAccountEmail"/> with <paramref name="signer"/>.</summary>
    public GcsRsaSigningKey(string serviceAccountEmail, IBlobSigner signer)
    {
        CredentialId = serviceAccountEmail;
        _signer = signer;
    }

    /// <inheritdoc />
    public string Algorithm => "GOOG4-RSA-SHA256";

    /// <inheritdoc />
    public string CredentialId { get; }

    /// <inheritdoc />
    public async Task<byte[]> SignAsync(byte[] stringToSign, string dateStamp, CancellationToken cancellationToken) =>
        Convert.FromBase64String(await _signer.SignBlobAsync(stringToSign, cancellationToken).ConfigureAwait(false));

    /// <summary>
    /// The signing key of a credential that can sign: a service-account key (signs locally) or a Compute Engine
    /// credential (signs through IAM signBlob; needs the Service Account Token Creator role). Null for user credentials.
    /// </summary>
    public static async Task<GcsRsaSigningKey?> FromCredentialAsync(GoogleCredential credential, CancellationToken ct)
    {
        switch (credential.UnderlyingCredential)
        {
            case ServiceAccountCredential sa:
                return new GcsRsaSigningKey(sa.Id, sa);
            case ComputeCredential compute:
                return new GcsRsaSigningKey(await compute.GetDefaultServiceAccountEmailAsync(ct).ConfigureAwait(false), compute);
            default:
                return null;
        }
    }

    /// <summary>Hides nothing secret: the key stays inside the signer.</summary>
    public override string ToString() => $"{Algorithm} as {CredentialId}";
}

/// <summary>HMAC-SHA256 with a derived key (<c>GOOG4</c> + secret, date, <c>auto</c>, <c>storage</c>, <c>goog4_request</c>).</summary>
public sealed class GcsHmacSigningKey(GcsHmacKey key) : IGcsSigningKey
{
    /// <inheritdoc />
    public string Algorithm => "GOOG4-HMAC-SHA256";

    /// <inheritdoc />
    public string CredentialId => key.AccessId;

    /// <inheritdoc />
    public Task<byte[]> SignAsync(byte[] stringToSign, string dateStamp, CancellationToken cancellationToken)
    {
        var k = HMACSHA256.HashData(Encoding.UTF8.GetBytes("GOOG4" + key.Secret), Encoding.UTF8.GetBytes(dateStamp));
        k = HMACSHA256.HashData(k, "auto"u8);
        k = HMACSHA256.HashData(k, "storage"u8);
        k = HMACSHA256.HashData(k, "goog4_request"u8);
        return Task.FromResult(HMACSHA256.HashData(k, stringToSign));
    }

    /// <summary>Shows the access id only.</summary>
    public override string ToString() => $"{Algorithm} as {CredentialId}";
}
