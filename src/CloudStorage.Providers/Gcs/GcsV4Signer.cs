using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using CloudStorage.Errors;

namespace CloudStorage.Providers.Gcs;

/// <summary>What to sign: one request a holder of the URL may make, for at most 7 days.</summary>
public sealed record GcsSignedUrlRequest
{
    /// <summary>The bucket.</summary>
    public required string Bucket { get; init; }

    /// <summary>The object; null or empty signs a bucket-level request (listing).</summary>
    public string? ObjectName { get; init; }

    /// <summary>GET, PUT, POST (with <c>x-goog-resumable: start</c> to open a resumable upload), DELETE, HEAD.</summary>
    public string Method { get; init; } = "GET";

    /// <summary>How long the URL is valid (1 s to 7 days).</summary>
    public required TimeSpan Expiry { get; init; }

    /// <summary>The signing time (now, unless reproducing a known signature).</summary>
    public DateTimeOffset Timestamp { get; init; } = DateTimeOffset.UtcNow;

    /// <summary>Headers the request must carry (signed; the holder must send them with these values).</summary>
    public IReadOnlyDictionary<string, string>? Headers { get; init; }

    /// <summary>Extra query parameters, signed.</summary>
    public IReadOnlyDictionary<string, string>? QueryParameters { get; init; }

    /// <summary>How the URL names the bucket.</summary>
    public GcsUrlStyle UrlStyle { get; init; } = GcsUrlStyle.PathStyle;

    /// <summary>The domain bound to the bucket, for <see cref="GcsUrlStyle.BucketBoundHostname"/>.</summary>
    public string? BucketBoundHostname { get; init; }

    /// <summary>The URL scheme when <see cref="Endpoint"/> names none (default https).</summary>
    public string Scheme { get; init; } = "https";

    /// <summary>
    /// The service host, as <c>host[:port]</c> or an absolute URL (an emulator such as <c>http://127.0.0.1:9199</c>);
    /// null: <c>storage.</c> + <see cref="UniverseDomain"/>.
    /// </summary>
    public string? Endpoint { get; init; }

    /// <summary>The universe domain (default googleapis.com).</summary>
    public string UniverseDomain { get; init; } = "googleapis.com";
}

/// <summary>
/// V4 signed URLs for Cloud Storage (the XML API's query-string authentication): canonical request, string to sign,
/// signature by an <see cref="IGcsSigningKey"/>. No network access except what the key itself needs (IAM signBlob).
/// </summary>
public sealed partial class GcsV4Signer(IGcsSigningKey key)
{
    private const string Scope = "auto/storage/goog4_request";

    /// <summary>The key in use.</summary>
    public IGcsSigningKey Key { get; } = key;

    /// <summary>The signed URL.</summary>
    public async Task<Uri> SignAsync(GcsSignedUrlRequest request, CancellationToken cancellationToken = default)
    {
        var parts = Canonicalize(request);
        var signature = await Key.SignAsync(Encoding.UTF8.GetBytes(parts.StringToSign), parts.DateStamp, cancellationToken).ConfigureAwait(false);
        return new Uri($"{parts.Scheme}://{parts.Authority}{parts.Path}?{parts.Query}&X-Goog-Signature={Convert.ToHexString(signature).ToLowerInvariant()}");
    }

    /// <summary>The canonical request and string to sign of <paramref name="request"/> (exposed for tests and diagnostics).</summary>
    public CanonicalParts Canonicalize(GcsSignedUrlRequest request)
    {
        if (request.Expiry < TimeSpan.FromSeconds(1) || request.Expiry > GcsProviderOptions.MaxSignedUrlExpiry)
            throw new StorageException(StorageErrorKind.InvalidArgument,
                $"A V4 signed URL is valid for 1 second to 7 days, not {request.Expiry}.", $"gs://{request.Bucket}/{request.ObjectName}");
        var method = request.Method.Trim().ToUpperInvariant();
        var timestamp = request.Timestamp.ToUniversalTime();
        var dateStamp = timestamp.ToString("yyyyMMdd", CultureInfo.InvariantCulture);
        var requestTimestamp = timestamp.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture);

        var (scheme, authority) = SchemeAndAuthority(request);
        var path = request.UrlStyle == GcsUrlStyle.PathStyle
            ? "/" + request.Bucket + (string.IsNullOrEmpty(request.ObjectName) ? "" : "/" + EncodePath(request.ObjectName))
            : "/" + EncodePath(request.ObjectName ?? "");

        // Headers: lower-case names, values trimmed with inner runs of whitespace collapsed, host always signed.
        var headers = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, value) in request.Headers ?? new Dictionary<string, string>())
        {
            var lower = name.Trim().ToLowerInvariant();
            var normalized = Whitespace().Replace(value.Trim(), " ");
            headers[lower] = headers.TryGetValue(lower, out var existing) ? existing + "," + normalized : normalized;
        }
        headers.TryAdd("host", HostHeader(scheme, authority));
        var signedHeaders = string.Join(';', headers.Keys);
        var canonicalHeaders = string.Concat(headers.Select(h => $"{h.Key}:{h.Value}\n"));

        var query = new List<(string Name, string Value)>
        {
            ("X-Goog-Algorithm", Key.Algorithm),
            ("X-Goog-Credential", $"{Key.CredentialId}/{dateStamp}/{Scope}"),
            ("X-Goog-Date", requestTimestamp),
            ("X-Goog-Expires", ((long)request.Expiry.TotalSeconds).ToString(CultureInfo.InvariantCulture)),
            ("X-Goog-SignedHeaders", signedHeaders),
        };
        foreach (var (name, value) in request.QueryParameters ?? new Dictionary<string, string>()) query.Add((name, value));
        var canonicalQuery = string.Join('&', query
            .Select(q => (Name: Uri.EscapeDataString(q.Name), Value: Uri.EscapeDataString(q.Value)))
            .OrderBy(q => q.Name, StringComparer.Ordinal).ThenBy(q => q.Value, StringComparer.Ordinal)
            .Select(q => q.Name + "=" + q.Value));

        var payload = headers.TryGetValue("x-goog-content-sha256", out var sha) ? sha : "UNSIGNED-PAYLOAD";
        var canonicalRequest = string.Join('\n', method, path, canonicalQuery, canonicalHeaders, signedHeaders, payload);
        var stringToSign = string.Join('\n', Key.Algorithm, requestTimestamp, $"{dateStamp}/{Scope}",
            Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(canonicalRequest))).ToLowerInvariant());
        return new CanonicalParts(scheme, authority, path, canonicalQuery, canonicalRequest, stringToSign, dateStamp, timestamp + request.Expiry);
    }

    /// <summary>The pieces of a signature.</summary>
    public sealed record CanonicalParts(string Scheme, string Authority, string Path, string Query, string CanonicalRequest,
        string StringToSign, string DateStamp, DateTimeOffset ExpiresOn);

    private static (string Scheme, string Authority) SchemeAndAuthority(GcsSignedUrlRequest request)
    {
        if (request.UrlStyle == GcsUrlStyle.BucketBoundHostname)
        {
            var bound = request.BucketBoundHostname ?? throw new StorageException(StorageErrorKind.InvalidArgument,
                "A bucket-bound hostname URL needs the hostname.", "gs://" + request.Bucket);
            return SplitEndpoint(bound, request.Scheme);
        }
        var (scheme, authority) = SplitEndpoint(request.Endpoint ?? "storage." + request.UniverseDomain, request.Scheme);
        return request.UrlStyle == GcsUrlStyle.VirtualHosted ? (scheme, request.Bucket + "." + authority) : (scheme, authority);
    }

    private static (string Scheme, string Authority) SplitEndpoint(string endpoint, string defaultScheme)
    {
        var text = endpoint.Trim().TrimEnd('/');
        var at = text.IndexOf("://", StringComparison.Ordinal);
        return at < 0 ? (defaultScheme.ToLowerInvariant(), text) : (text[..at].ToLowerInvariant(), text[(at + 3)..]);
    }

    // The host header a client sends: the default port of the scheme is left out.
    private static string HostHeader(string scheme, string authority)
    {
        var lower = authority.ToLowerInvariant();
        if (scheme == "https" && lower.EndsWith(":443", StringComparison.Ordinal)) return lower[..^4];
        if (scheme == "http" && lower.EndsWith(":80", StringComparison.Ordinal)) return lower[..^3];
        return lower;
    }

    /// <summary>Percent-encodes an object name for a URL path: RFC 3986 unreserved characters and '/' stay as they are.</summary>
    public static string EncodePath(string objectName) => string.Join('/', objectName.Split('/').Select(Uri.EscapeDataString));

    [GeneratedRegex(@"[ \t]+")]
    private static partial Regex Whitespace();
}
