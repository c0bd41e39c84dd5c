using System.Globalization;
using Amazon.S3.Model;
using CloudStorage.Core.Errors;
using CloudStorage.Core.Providers;
using CloudStorage.Providers.Common;

namespace CloudStorage.Providers.S3;

/// <summary>
/// The body of a GetObject response: reads exactly the bytes the answer promised for the requested range (a server
/// that ignores part of a Range header cannot hand out more; a body that ends early is a transient IntegrityFailure)
/// and releases the response, and its connection, when disposed. Read failures (dropped connections, the SDK's
/// "Expected hash not equal" on a corrupted single-part body) leave as StorageExceptions.
/// </summary>
internal sealed class S3ReadStream(GetObjectResponse response, long? limit, string target, string provider)
    : LimitedReadStream(response.ResponseStream, limit, target, provider), IReadVersion
{
    private readonly Stream _body = response.ResponseStream;

    /// <summary>The object's ETag as this answer gave it (a range's answer names the whole object's).</summary>
    public string? Version => string.IsNullOrEmpty(response.ETag) ? null : response.ETag;

    /// <summary>A stream for <paramref name="response"/> to a request for <paramref name="range"/> (null: the whole object).</summary>
    public static S3ReadStream For(GetObjectResponse response, Core.Model.ByteRange? range, string target, string provider)
    {
        long expected = response.ContentLength;
        if (range is { } r)
        {
            // The object's size from Content-Range (bytes a-b/total) tells how long the range really is; a body
            // declared shorter than that is truncated, whatever its Content-Length says.
            if (TotalOf(response.ContentRange) is { } total)
            {
                var count = r.Resolve(total).Count;
                if (response.ContentLength < count)
                {
                    response.Dispose();
                    throw ShortBody.Error(response.ContentLength, count, target, provider);
                }
                expected = count;
            }
            else if (r.Length is { } length)
                expected = Math.Min(length, response.ContentLength);
        }
        return new S3ReadStream(response, expected, target, provider);
    }

    private static long? TotalOf(string? contentRange)
    {
        if (string.IsNullOrEmpty(contentRange)) return null;
        var slash = contentRange.LastIndexOf('/');
        return slash >= 0 && long.TryParse(contentRange.AsSpan(slash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var total) ? total : null;
    }

    public override long Length => Limit ?? response.ContentLength;

    protected override StorageException? MapReadError(Exception error, CancellationToken cancellationToken) =>
        S3ErrorMapper.Map(error, Target!, Provider!, cancellationToken);

    // The SDK checks a single-part body against its MD5 when the body is closed: closed here, at the end of the last
    // read, its verdict ("Expected hash not equal") arrives as a transient IntegrityFailure with the data, not later.
    protected override void OnBodyEnd() => _body.Dispose();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            try
            {
                _body.Dispose();
            }
            catch (Exception)
            {
                // A body abandoned part-way cannot be checked; one read to its end was checked by OnBodyEnd.
            }
            response.Dispose();
        }
        base.Dispose(disposing);
    }
}
