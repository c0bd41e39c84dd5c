using CloudStorage.Core.Errors;
using Google.Apis.Auth.OAuth2;
using Google.Cloud.Storage.V1;

namespace CloudStorage.Providers.Gcs;

/// <summary>
/// V4 signed URLs through the SDK's <see cref="UrlSigner"/>: which key signs (a service account's RSA key locally,
/// IAM signBlob for Compute Engine and impersonated credentials, or an HMAC key), and the URL options for every style
/// the provider offers (path style, virtual-hosted, a bucket-bound hostname) on the provider's endpoint. A custom host
/// that carries a port keeps it in the URL and leaves it out of the signed <c>host</c> header, as Google's conformance
/// vectors require (the SDK does this when host and port are given apart, so the endpoint is split here).
/// </summary>
public static class GcsUrlSigning
{
    /// <summary>Scheme, host and port (null when none is written, even the default one) of an endpoint given as <c>host[:port]</c> or a URL.</summary>
    public static (string? Scheme, string Host, int? Port) SplitEndpoint(string endpoint)
    {
        var text = endpoint.Trim();
        string? scheme = null;
        var at = text.IndexOf("://", StringComparison.Ordinal);
        if (at >= 0)
        {
            scheme = text[..at].ToLowerInvariant();
            text = text[(at + 3)..];
        }
        var slash = text.IndexOf('/');
        if (slash >= 0) text = text[..slash];
        // host:port, [v6]:port, or a bare host; a port is digits after the last colon outside brackets.
        var colon = text.LastIndexOf(':');
        if (colon > 0 && colon > text.LastIndexOf(']') && int.TryParse(text[(colon + 1)..], System.Globalization.NumberStyles.None,
                System.Globalization.CultureInfo.InvariantCulture, out var port))
            return (scheme, text[..colon], port);
        return (scheme, text, null);
    }

    /// <summary>
    /// The signer options for a URL valid for <paramref name="expiry"/>: <paramref name="endpoint"/> (an emulator or a
    /// custom endpoint; null: <c>storage.</c> + <paramref name="universeDomain"/>) in path or virtual-hosted style, or the
    /// bucket-bound hostname. <paramref name="scheme"/> applies where the endpoint names none.
    /// </summary>
    public static UrlSigner.Options OptionsFor(TimeSpan expiry, GcsUrlStyle style, string? endpoint, string universeDomain,
        string? bucketBoundHostname, string scheme = "https")
    {
        var options = UrlSigner.Options.FromDuration(expiry);
        if (style == GcsUrlStyle.BucketBoundHostname)
        {
            var (boundScheme, boundHost, _) = SplitEndpoint(bucketBoundHostname ?? throw new StorageException(StorageErrorKind.InvalidArgument,
                "A bucket-bound hostname URL needs the hostname (option bucket-bound-hostname)."));
            return options.WithBucketBoundHostname(boundHost).WithScheme(boundScheme ?? scheme);
        }
        var (endpointScheme, host, port) = SplitEndpoint(endpoint ?? "storage." + universeDomain.Trim().TrimEnd('/'));
        options = options.WithScheme(endpointScheme ?? scheme).WithHost(host).WithPort(port);
        return style == GcsUrlStyle.VirtualHosted ? options.WithUrlStyle(UrlSigner.UrlStyle.VirtualHostedStyle) : options;
    }

    /// <summary>A signer for an HMAC key (GOOG4-HMAC-SHA256).</summary>
    public static UrlSigner ForHmac(GcsHmacKey key) => UrlSigner.FromBlobSigner(UrlSigner.HmacBlobSigner.Create(key.AccessId, key.Secret));

    /// <summary>
    /// A signer for a credential that can sign (GOOG4-RSA-SHA256): a service-account key signs locally, a Compute
    /// Engine or impersonated credential through IAM signBlob. Null for credentials that cannot sign (gcloud user credentials).
    /// </summary>
    public static UrlSigner? ForCredential(GoogleCredential credential) => credential.UnderlyingCredential switch
    {
        ServiceAccountCredential sa => UrlSigner.FromCredential(sa),
        ComputeCredential compute => UrlSigner.FromCredential(compute),
        ImpersonatedCredential impersonated => UrlSigner.FromCredential(impersonated),
        _ => null,
    };
}
