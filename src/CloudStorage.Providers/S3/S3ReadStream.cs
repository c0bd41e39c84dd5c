using Amazon.S3.Model;
using CloudStorage.Providers.Common;

namespace CloudStorage.Providers.S3;

/// <summary>
/// The body of a GetObject response: reads at most the requested range (a server that ignores part of a Range
/// header cannot hand out more) and releases the response, and its connection, when disposed.
/// </summary>
internal sealed class S3ReadStream(GetObjectResponse response, long? limit) : LimitedReadStream(response.ResponseStream, limit)
{
    private readonly Stream _body = response.ResponseStream;

    public override long Length => Limit is { } l ? Math.Min(l, response.ContentLength) : response.ContentLength;

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _body.Dispose();
            response.Dispose();
        }
        base.Dispose(disposing);
    }
}
