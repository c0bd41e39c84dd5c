using Amazon.S3;
using Amazon.S3.Model;
using CloudStorage.Core.Errors;
using CloudStorage.Core.Model;

namespace CloudStorage.Providers.S3;

/// <summary>SigV4 presigned URLs for GET, PUT and DELETE; S3 refuses expiries beyond 7 days, so this does too.</summary>
internal sealed class S3Presigner(S3StorageProvider owner)
{
    /// <summary>The longest a SigV4 presigned URL may be valid.</summary>
    public static readonly TimeSpan MaxExpiry = TimeSpan.FromDays(7);

    public async Task<PresignedUrl> PresignAsync(string key, PresignRequest request, CancellationToken ct)
    {
        var target = owner.AddressRoot + key;
        if (request.ExpiresIn <= TimeSpan.Zero)
            throw new StorageException(StorageErrorKind.InvalidArgument, $"The expiry must be positive, not {request.ExpiresIn}.", target, owner.Name);
        if (request.ExpiresIn > MaxExpiry)
            throw new StorageException(StorageErrorKind.InvalidArgument,
                $"S3 presigned URLs can be valid for at most 7 days (604800 seconds); {request.ExpiresIn} was asked for '{target}'.", target, owner.Name);
        ct.ThrowIfCancellationRequested();

        var verb = request.Method switch
        {
            PresignMethod.Get => HttpVerb.GET,
            PresignMethod.Put => HttpVerb.PUT,
            PresignMethod.Delete => HttpVerb.DELETE,
            _ => throw new StorageException(StorageErrorKind.InvalidArgument, $"Cannot presign {request.Method}.", target, owner.Name),
        };
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        var contentType = request.Method == PresignMethod.Put && !string.IsNullOrEmpty(request.ContentType) ? request.ContentType : null;
        if (contentType is not null) headers["Content-Type"] = contentType;

        // The SDK turns an expiry instant into X-Amz-Expires seconds against its own clock (corrected for the skew it
        // saw in the server's Date headers) and rounds: it can come out a second longer than asked, and a week plus
        // a second is refused by S3. The seconds in the URL are checked and the instant pulled back when needed.
        var wanted = Math.Max(1, (long)Math.Floor(request.ExpiresIn.TotalSeconds));
        var expires = DateTime.UtcNow + request.ExpiresIn;
        string url = "";
        long seconds = 0;
        for (var attempt = 0; attempt < 3; attempt++)
        {
            var presign = new GetPreSignedUrlRequest
            {
                BucketName = owner.Bucket,
                Key = key,
                Verb = verb,
                Expires = expires,
                // The SDK writes https:// unless told otherwise; the URL must reach the endpoint as configured.
                Protocol = owner.Options.Endpoint?.Scheme == "http" ? Protocol.HTTP : Protocol.HTTPS,
                ContentType = contentType,
            };
            url = await S3ErrorMapper.RunAsync(() => owner.Client.GetPreSignedURLAsync(presign), target, owner.Name, ct).ConfigureAwait(false);
            if (QueryNumber(url, "X-Amz-Expires") is not { } signed)
            {
                // Past 7 days by its clock the SDK silently falls back to SigV2, which S3 no longer accepts everywhere.
                seconds = 0;
                expires -= TimeSpan.FromSeconds(2);
                continue;
            }
            seconds = signed;
            if (seconds <= wanted) break;
            expires -= TimeSpan.FromSeconds(seconds - wanted);
        }
        if (seconds is 0 || seconds > wanted)
            throw new StorageException(StorageErrorKind.InvalidArgument,
                $"A SigV4 URL valid for {request.ExpiresIn} could not be signed for '{target}'; ask for a shorter expiry.", target, owner.Name);
        var signedAt = QueryDate(url) ?? DateTimeOffset.UtcNow;
        return new PresignedUrl
        {
            Uri = target,
            Method = request.Method,
            Url = url,
            ExpiresOn = signedAt.AddSeconds(seconds),
            RequiredHeaders = headers,
        };
    }

    private static long? QueryNumber(string url, string name) =>
        long.TryParse(QueryValue(url, name), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n) ? n : null;

    // X-Amz-Date: 20250102T030405Z, the signing instant the expiry counts from.
    private static DateTimeOffset? QueryDate(string url) =>
        DateTimeOffset.TryParseExact(QueryValue(url, "X-Amz-Date"), "yyyyMMdd'T'HHmmss'Z'", System.Globalization.CultureInfo.InvariantCulture,
            System.Globalization.DateTimeStyles.AssumeUniversal | System.Globalization.DateTimeStyles.AdjustToUniversal, out var d) ? d : null;

    private static string? QueryValue(string url, string name)
    {
        var query = url.IndexOf('?') is var q and >= 0 ? url[(q + 1)..] : "";
        foreach (var pair in query.Split('&'))
        {
            var eq = pair.IndexOf('=');
            if (eq > 0 && pair[..eq] == name) return Uri.UnescapeDataString(pair[(eq + 1)..]);
        }
        return null;
    }
}
