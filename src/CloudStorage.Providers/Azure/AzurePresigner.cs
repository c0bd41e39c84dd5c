using Azure.Storage.Blobs.Models;
using Azure.Storage.Sas;
using CloudStorage.Core.Errors;
using CloudStorage.Core.Model;

namespace CloudStorage.Providers.Azure;

/// <summary>
/// SAS URLs for GET (read), PUT (create and write) and DELETE on one blob, built by the SDK's <see cref="BlobSasBuilder"/>:
/// a service SAS signed with the account key, or a user-delegation SAS when authenticated with Entra ID (the delegation
/// key is fetched once and reused while it covers the expiry). A SAS token credential cannot sign new SAS, so such
/// providers do not declare presigning.
/// </summary>
internal sealed class AzurePresigner(AzureBlobStorageProvider owner)
{
    private readonly SemaphoreSlim _keyLock = new(1, 1);
    private UserDelegationKey? _delegationKey;

    public async Task<PresignedUrl> PresignAsync(string key, PresignRequest request, DateTimeOffset? startsOn, CancellationToken ct)
    {
        var target = owner.AddressRoot + key;
        var max = owner.Options.MaxPresignExpiry;
        if (request.ExpiresIn <= TimeSpan.Zero)
            throw new StorageException(StorageErrorKind.InvalidArgument, $"The expiry must be positive, not {request.ExpiresIn}.", target, owner.Name);
        if (request.ExpiresIn > max)
            throw new StorageException(StorageErrorKind.InvalidArgument,
                $"Azure SAS URLs made here are valid for at most {max.TotalDays:0.##} days; {request.ExpiresIn} was asked for '{target}'.", target, owner.Name);
        ct.ThrowIfCancellationRequested();

        // SAS times are whole seconds: round down, never sign longer than asked.
        var now = DateTimeOffset.UtcNow;
        var expires = now + request.ExpiresIn;
        expires = new DateTimeOffset(expires.UtcTicks - expires.UtcTicks % TimeSpan.TicksPerSecond, TimeSpan.Zero);
        var permissions = request.Method switch
        {
            PresignMethod.Get => BlobSasPermissions.Read,
            PresignMethod.Put => BlobSasPermissions.Create | BlobSasPermissions.Write,
            PresignMethod.Delete => BlobSasPermissions.Delete,
            _ => throw new StorageException(StorageErrorKind.InvalidArgument, $"Cannot presign {request.Method}.", target, owner.Name),
        };
        var contentType = string.IsNullOrWhiteSpace(request.ContentType) ? null : request.ContentType.Trim();
        var grant = Grant(key, permissions, startsOn, expires);
        // On a GET the SAS makes the service answer with this Content-Type; a PUT states it in its own header.
        if (request.Method == PresignMethod.Get && contentType is not null) grant.ContentType = contentType;
        var sas = await SignAsync(grant, target, ct).ConfigureAwait(false);

        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        if (request.Method == PresignMethod.Put)
        {
            headers["x-ms-blob-type"] = "BlockBlob";
            if (contentType is not null) headers["Content-Type"] = contentType;
        }
        return new PresignedUrl
        {
            Uri = target,
            Method = request.Method,
            Url = owner.Clients.BlobUri(owner.Container, key, sas).AbsoluteUri,
            ExpiresOn = expires,
            RequiredHeaders = headers,
        };
    }

    /// <summary>A read SAS for the service to fetch a copy source with (never handed out).</summary>
    internal Task<string> ReadSasAsync(string key, TimeSpan validity, CancellationToken ct) =>
        SignAsync(Grant(key, BlobSasPermissions.Read, DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow + validity), owner.AddressRoot + key, ct);

    // A blob SAS ("b") for one blob; https only when the endpoint is https (the emulator speaks http).
    private BlobSasBuilder Grant(string key, BlobSasPermissions permissions, DateTimeOffset? startsOn, DateTimeOffset expiresOn)
    {
        var grant = new BlobSasBuilder
        {
            BlobContainerName = owner.Container,
            BlobName = key,
            Resource = "b",
            ExpiresOn = expiresOn,
            Protocol = owner.Options.EffectiveEndpoint.Scheme == "https" ? SasProtocol.Https : SasProtocol.HttpsAndHttp,
        };
        if (startsOn is { } start) grant.StartsOn = start;
        grant.SetPermissions(permissions);
        return grant;
    }

    private async Task<string> SignAsync(BlobSasBuilder grant, string target, CancellationToken ct)
    {
        switch (owner.Options.Credential)
        {
            case AzureSharedKeyCredential key:
                return grant.ToSasQueryParameters(key.ToSdk()).ToString();
            case AzureTokenCredential:
                var delegation = await DelegationKeyAsync(grant.ExpiresOn, target, ct).ConfigureAwait(false);
                return grant.ToSasQueryParameters(delegation, owner.Account).ToString();
            default:
                throw new StorageException(StorageErrorKind.Unsupported,
                    $"Provider '{owner.Name}' authenticates with {owner.Options.Credential?.Kind}, which cannot sign SAS URLs; use the account key or Microsoft Entra ID.",
                    target, owner.Name);
        }
    }

    private async Task<UserDelegationKey> DelegationKeyAsync(DateTimeOffset until, string target, CancellationToken ct)
    {
        await _keyLock.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            if (_delegationKey is { } cached && cached.SignedExpiresOn >= until) return cached;
            // One key for a week (the service's limit) serves every URL signed meanwhile.
            var start = DateTimeOffset.UtcNow.AddMinutes(-5);
            var expiry = DateTimeOffset.UtcNow.AddDays(7).AddMinutes(-5);
            if (expiry < until) expiry = until;
            _delegationKey = (await AzureErrorMapper.RunAsync(() => owner.Clients.Service.GetUserDelegationKeyAsync(start, expiry, ct), target, owner.Name, ct)
                .ConfigureAwait(false)).Value;
            return _delegationKey;
        }
        finally
        {
            _keyLock.Release();
        }
    }
}
