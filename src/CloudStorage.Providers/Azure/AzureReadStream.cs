using CloudStorage.Errors;
using CloudStorage.Providers.Azure.Transport;
using CloudStorage.Providers.Common;

namespace CloudStorage.Providers.Azure;

/// <summary>
/// The body of a Get Blob answer: reads at most the requested range and releases the response, and its connection,
/// when disposed. Failures while reading surface as the transport's exceptions, mapped to StorageExceptions.
/// </summary>
internal sealed class AzureReadStream(AzureDownload download, long length, string target, string provider) : LimitedReadStream(download.Body, length, target, provider)
{
    public override long Length => length;

    protected override StorageException? MapReadError(Exception error, CancellationToken cancellationToken) =>
        AzureErrorMapper.Map(error, Target!, Provider!, cancellationToken);

    protected override void Dispose(bool disposing)
    {
        if (disposing) download.Dispose();
        base.Dispose(disposing);
    }
}
