using CloudStorage.Core.Addressing;
using CloudStorage.Core.Errors;
using CloudStorage.Core.Model;
using CloudStorage.Core.Providers;

namespace CloudStorage.Core.Transfer;

/// <summary>Dispatches presign requests to the provider that can sign them.</summary>
internal static class Presigning
{
    /// <summary>A presigned URL for the object at a location; Unsupported when its provider cannot presign.</summary>
    public static async Task<PresignedUrl> PresignAsync(StorageLocation location, PresignRequest request, CancellationToken ct = default)
    {
        if (location.IsPrefixOnly)
            throw new StorageException(StorageErrorKind.InvalidKey, $"'{location.Uri}' names a prefix; presigned URLs are for objects.", location.Uri, location.Provider.Name);
        if (request.ExpiresIn <= TimeSpan.Zero)
            throw new StorageException(StorageErrorKind.InvalidArgument, $"The expiry must be positive, not {request.ExpiresIn}.", location.Uri, location.Provider.Name);
        var caps = location.Provider.Capabilities;
        if (caps.Presigner is not { } presigner)
            throw new StorageException(StorageErrorKind.Unsupported,
                $"Provider '{location.Provider.Name}' cannot create presigned URLs ('{location.Uri}'); presigning needs an s3://, gs:// or az:// provider.",
                location.Uri, location.Provider.Name);
        var max = caps.MaxPresignExpiry;
        if (max > TimeSpan.Zero && request.ExpiresIn > max)
            throw new StorageException(StorageErrorKind.InvalidArgument,
                $"Presigned URLs from '{location.Provider.Name}' can last at most {max}; {request.ExpiresIn} was asked for.", location.Uri, location.Provider.Name);
        var url = await presigner.PresignAsync(location.Key, request, ct).ConfigureAwait(false);
        return url with { Uri = location.Uri };
    }
}
