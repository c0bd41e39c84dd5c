using Azure.Storage.Blobs.Models;
using CloudStorage.Core.Errors;
using CloudStorage.Core.Providers;
using CloudStorage.Providers.Common;

namespace CloudStorage.Providers.Azure;

/// <summary>
/// The body of a Get Blob answer (the SDK's streaming download): reads at most the requested range, fails with
/// IntegrityFailure when the body ends short, and releases the response, and its connection, when disposed. Failures
/// while reading surface as the SDK's exceptions, mapped to StorageExceptions.
/// </summary>
internal sealed class AzureReadStream(BlobDownloadStreamingResult download, long length, string target, string provider)
    : LimitedReadStream(download.Content, length, target, provider), IReadVersion
{
    /// <summary>The blob's ETag as this answer gave it.</summary>
    public string? Version => download.Details.ETag.ToString() is { Length: > 0 } etag ? etag : null;

    public override long Length => length;

    protected override StorageException? MapReadError(Exception error, CancellationToken cancellationToken) =>
        AzureErrorMapper.Map(error, Target!, Provider!, cancellationToken);

    protected override void Dispose(bool disposing)
    {
        if (disposing) download.Dispose();
        base.Dispose(disposing);
    }
}
