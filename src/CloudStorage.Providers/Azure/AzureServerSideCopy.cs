using Azure;
using Azure.Core;
using Azure.Storage.Blobs.Models;
using CloudStorage.Core.Errors;
using CloudStorage.Core.Model;

namespace CloudStorage.Providers.Azure;

/// <summary>
/// Copies blobs without moving bytes through this process, synchronously from the caller's view: Copy Blob From URL
/// (the SDK's SyncCopyFromUri, one request) up to the copy threshold (256 MiB at most), Copy Blob (StartCopyFromUri)
/// with its status polled until it is done above it. Put Blob From URL and Put Block From URL are not used: Azurite
/// answers them 501.
/// The source is read by the service through a short-lived read SAS (key or user delegation), the source's SAS token,
/// or an Entra ID token; the version copied is the one looked at (x-ms-source-if-match); the source's Content-MD5
/// travels with the copy.
/// </summary>
internal sealed class AzureServerSideCopy(AzureBlobStorageProvider destination)
{
    private static readonly TimeSpan MaxPollInterval = TimeSpan.FromSeconds(5);

    // The OAuth scope of Azure Storage, for the token that authorizes the service's read of the source.
    private const string StorageScope = "https://storage.azure.com/.default";

    /// <summary>True when the service holding <paramref name="destination"/> can read from <paramref name="source"/>'s.</summary>
    public static bool CanReach(AzureBlobStorageProvider destination, AzureBlobStorageProvider source)
    {
        var d = destination.Options.EffectiveEndpoint;
        var s = source.Options.EffectiveEndpoint;
        var sameService = string.Equals(d.Authority, s.Authority, StringComparison.OrdinalIgnoreCase)
            || (PublicSuffix(d) is { } suffix && suffix.Equals(PublicSuffix(s), StringComparison.OrdinalIgnoreCase));
        // A SAS token source can authorize a read only for what the token grants; key, Entra ID and public sources always can.
        return sameService && source.Options.Credential is not null;
    }

    // acct.blob.core.windows.net -> blob.core.windows.net: accounts of one cloud reach each other.
    private static string? PublicSuffix(Uri endpoint)
    {
        var host = endpoint.Host;
        var i = host.IndexOf(".blob.", StringComparison.OrdinalIgnoreCase);
        return i > 0 && endpoint.AbsolutePath.Trim('/').Length == 0 ? host[(i + 1)..] : null;
    }

    /// <summary>Copies and returns the copy with the method used (<c>CopyBlobFromUrl</c> or <c>CopyBlob</c>).</summary>
    public async Task<(StorageItem Item, string Method)> CopyAsync(AzureBlobStorageProvider source, string sourceKey, string destinationKey, WriteOptions options, CancellationToken ct)
    {
        var sourceTarget = source.AddressRoot + sourceKey;
        var target = destination.AddressRoot + destinationKey;
        var sourceProperties = await source.GetPropertiesAsync(sourceKey, ct).ConfigureAwait(false) ?? throw source.NotFound(sourceTarget);

        // Null metadata: the service copies the source's.
        var metadata = destination.ToAzureMetadata(options.Metadata, target, options.ModifiedTime);
        var tier = destination.AccessTier(options.StorageClass, target) is { } t ? new AccessTier(t) : (AccessTier?)null;
        var synchronous = sourceProperties.ContentLength <= destination.Options.CopyThreshold;
        var (sourceUrl, bearer) = await AuthorizeSourceAsync(source, sourceKey, synchronous ? TimeSpan.FromHours(1) : TimeSpan.FromDays(1), ct).ConfigureAwait(false);
        var copyOptions = new BlobCopyFromUriOptions
        {
            Metadata = metadata,
            Tags = options.Tags is { Count: > 0 } tags ? new Dictionary<string, string>(tags) : null,
            AccessTier = tier,
            // The version copied is the one looked at.
            SourceConditions = sourceProperties.ETag is { } etag ? new BlobRequestConditions { IfMatch = new ETag(etag) } : null,
            SourceAuthentication = bearer is null ? null : new HttpAuthorization("Bearer", bearer),
        };
        var blob = destination.Clients.Blob(destinationKey);

        string? copyId;
        string? status;
        if (synchronous)
        {
            var info = (await AzureErrorMapper.RunAsync(() => blob.SyncCopyFromUriAsync(sourceUrl, copyOptions, ct), target, destination.Name, ct).ConfigureAwait(false)).Value;
            (copyId, status) = (info.CopyId, info.CopyStatus.ToString().ToLowerInvariant());
        }
        else
        {
            var operation = await AzureErrorMapper.RunAsync(() => blob.StartCopyFromUriAsync(sourceUrl, copyOptions, ct), target, destination.Name, ct).ConfigureAwait(false);
            var raw = operation.GetRawResponse();
            copyId = operation.Id;
            status = raw.Headers.TryGetValue("x-ms-copy-status", out var s) ? s : null;
        }
        if (!synchronous && status == "pending")
            await WaitForCopyAsync(destinationKey, target, copyId, ct).ConfigureAwait(false);
        else if (status is not null and not "success")
            throw new StorageException(StorageErrorKind.Transient, $"The copy to '{target}' ended as '{status}'.", target, destination.Name);

        // The copy carries the source's content headers; a new content type, or an MD5 the service did not carry, is set here.
        var copied = await destination.GetPropertiesAsync(destinationKey, ct).ConfigureAwait(false)
            ?? throw new StorageException(StorageErrorKind.Conflict, $"'{target}' vanished right after it was copied.", target, destination.Name);
        var contentType = options.ContentType ?? sourceProperties.ContentType ?? AzureBlobStorageProvider.DefaultContentType;
        var md5 = sourceProperties.ContentMd5 ?? copied.ContentMd5;
        if (copied.ContentType != contentType || Differs(options.ContentEncoding, copied.ContentEncoding) || Differs(options.ContentLanguage, copied.ContentLanguage)
            || Differs(options.ContentDisposition, copied.ContentDisposition) || Differs(options.CacheControl, copied.CacheControl) || (md5 is not null && (copied.ContentMd5 is null || !copied.ContentMd5.AsSpan().SequenceEqual(md5))))
        {
            await AzureErrorMapper.RunAsync(() => blob.SetHttpHeadersAsync(new BlobHttpHeaders
            {
                ContentType = contentType,
                ContentHash = md5,
                ContentEncoding = options.ContentEncoding ?? copied.ContentEncoding,
                ContentLanguage = options.ContentLanguage ?? copied.ContentLanguage,
                ContentDisposition = options.ContentDisposition ?? copied.ContentDisposition,
                CacheControl = options.CacheControl ?? copied.CacheControl,
            }, cancellationToken: ct), target, destination.Name, ct).ConfigureAwait(false);
        }
        return (await destination.StatAfterWriteAsync(destinationKey).ConfigureAwait(false), synchronous ? "CopyBlobFromUrl" : "CopyBlob");
    }

    private static bool Differs(string? wanted, string? actual) => wanted is not null && wanted != actual;

    /// <summary>The URL the service reads the source from, with what authorizes that read.</summary>
    private static async Task<(Uri Url, string? Bearer)> AuthorizeSourceAsync(AzureBlobStorageProvider source, string key, TimeSpan validity, CancellationToken ct)
    {
        var target = source.AddressRoot + key;
        switch (source.Options.Credential)
        {
            case AzureSharedKeyCredential:
            {
                var sas = await new AzurePresigner(source).ReadSasAsync(key, validity, ct).ConfigureAwait(false);
                return (source.Clients.BlobUri(source.Container, key, sas), null);
            }
            case AzureSasCredential token:
                return (source.Clients.BlobUri(source.Container, key, token.Query), null);
            case AzureTokenCredential token:
            {
                var bearer = await AzureErrorMapper.RunAsync(async () => (await token.Credential.GetTokenAsync(new TokenRequestContext([StorageScope]), ct).ConfigureAwait(false)).Token,
                    target, source.Name, ct).ConfigureAwait(false);
                return (source.Clients.BlobUri(source.Container, key), bearer);
            }
            default:
                return (source.Clients.BlobUri(source.Container, key), null);
        }
    }

    private async Task WaitForCopyAsync(string key, string target, string? copyId, CancellationToken ct)
    {
        var delay = destination.Options.CopyPollInterval;
        try
        {
            while (true)
            {
                await Task.Delay(delay, ct).ConfigureAwait(false);
                delay = delay * 2 < MaxPollInterval ? delay * 2 : MaxPollInterval;
                var properties = await destination.GetPropertiesAsync(key, ct).ConfigureAwait(false);
                if (properties is null || (copyId is not null && properties.CopyId is { } id && id != copyId))
                    throw new StorageException(StorageErrorKind.Conflict, $"'{target}' was replaced or deleted while it was being copied.", target, destination.Name);
                switch (properties.CopyStatus)
                {
                    case "pending":
                        continue;
                    case "success" or null:
                        return;
                    default:
                        throw new StorageException(StorageErrorKind.Transient,
                            $"The copy to '{target}' ended as '{properties.CopyStatus}'{(properties.CopyStatusDescription is { } d ? ": " + AzureErrorMapper.Scrub(d) : "")}.",
                            target, destination.Name);
                }
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested && copyId is not null)
        {
            // Stop the service's copy too; it leaves the destination empty (a documented property of Abort Copy Blob).
            try
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
                await destination.Clients.Blob(key).AbortCopyFromUriAsync(copyId, cancellationToken: timeout.Token).ConfigureAwait(false);
            }
            catch (Exception) { /* the cancellation is what is reported */ }
            throw;
        }
    }
}
