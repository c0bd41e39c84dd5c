using Amazon.S3;
using Amazon.S3.Model;
using CloudStorage.Errors;
using CloudStorage.Model;

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

        var now = DateTime.UtcNow;
        var presign = new GetPreSignedUrlRequest
        {
            BucketName = owner.Bucket,
            Key = key,
            Verb = request.Method switch
            {
                PresignMethod.Get => HttpVerb.GET,
                PresignMethod.Put => HttpVerb.PUT,
                PresignMethod.Delete => HttpVerb.DELETE,
                _ => throw new StorageException(StorageErrorKind.InvalidArgument, $"Cannot presign {request.Method}.", target, owner.Name),
            },
            Expires = now + request.ExpiresIn,
            // The SDK writes https:// unless told otherwise; the URL must reach the endpoint as configured.
            Protocol = owner.Options.Endpoint?.Scheme == "http" ? Protocol.HTTP : Protocol.HTTPS,
        };
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        if (request.Method == PresignMethod.Put && !string.IsNullOrEmpty(request.ContentType))
        {
            presign.ContentType = request.ContentType;
            headers["Content-Type"] = request.ContentType;
        }
        var url = await S3ErrorMapper.RunAsync(() => owner.Client.GetPreSignedURLAsync(presign), target, owner.Name, ct).ConfigureAwait(false);
        return new PresignedUrl
        {
            Uri = target,
            Method = request.Method,
            Url = new Uri(url),
            ExpiresOn = new DateTimeOffset(now + request.ExpiresIn, TimeSpan.Zero),
            RequiredHeaders = headers,
        };
    }
}
