using System.Net;
using System.Net.Sockets;
using Amazon.Runtime;
using Amazon.Runtime.Internal;
using CloudStorage.Core.Errors;
using CloudStorage.Providers.Common;

namespace CloudStorage.Providers.S3;

/// <summary>Turns AWS SDK and transport failures into <see cref="StorageException"/>s with the engine's error kinds.</summary>
internal static class S3ErrorMapper
{
    /// <summary>
    /// The StorageException for <paramref name="error"/>, or null when it must pass unchanged (cancellation the
    /// caller asked for, or an exception that already is a StorageException).
    /// </summary>
    public static StorageException? Map(Exception error, string target, string provider, CancellationToken cancellationToken)
    {
        switch (error)
        {
            case StorageException:
                return null;
            case OperationCanceledException when cancellationToken.IsCancellationRequested:
                return null;
            case OperationCanceledException oce:
                // Not our token: an HTTP timeout.
                return new StorageException(StorageErrorKind.Transient, $"The request for '{target}' timed out.", target, provider, oce);
            case AmazonServiceException ase:
                return MapService(ase, target, provider);
            case HttpRequestException or IOException or SocketException or WebException:
                return new StorageException(StorageErrorKind.Transient, $"The connection failed while working on '{target}': {error.Message}", target, provider, error);
            case AmazonClientException ace when ace.InnerException is HttpRequestException or IOException or SocketException:
                return new StorageException(StorageErrorKind.Transient, $"The connection failed while working on '{target}': {ace.InnerException.Message}", target, provider, ace);
            case AmazonClientException ace when LooksLikeChecksumMismatch(ace.Message):
                // The SDK's response validation ("Expected hash not equal to calculated hash"): the body arrived
                // different from what S3 stored; a retry may get it whole.
                return new StorageException(StorageErrorKind.IntegrityFailure,
                    $"The bytes received for '{target}' do not match the checksum S3 sent: {ace.Message}", target, provider, ace, isTransient: true);
            case AmazonClientException ace when ace.InnerException is OperationCanceledException && !cancellationToken.IsCancellationRequested:
                return new StorageException(StorageErrorKind.Transient, $"The request for '{target}' timed out.", target, provider, ace);
            case AmazonClientException ace:
                return new StorageException(StorageErrorKind.Configuration, $"The S3 client could not work on '{target}': {ace.Message}", target, provider, ace);
            default:
                return null;
        }
    }

    private static bool LooksLikeChecksumMismatch(string message) =>
        (message.Contains("hash", StringComparison.OrdinalIgnoreCase) || message.Contains("checksum", StringComparison.OrdinalIgnoreCase))
        && (message.Contains("not equal", StringComparison.OrdinalIgnoreCase) || message.Contains("mismatch", StringComparison.OrdinalIgnoreCase)
            || message.Contains("did not match", StringComparison.OrdinalIgnoreCase));

    /// <summary>Runs <paramref name="action"/>, translating failures.</summary>
    public static Task<T> RunAsync<T>(Func<Task<T>> action, string target, string provider, CancellationToken ct) =>
        MappedCall.RunAsync(action, e => Map(e, target, provider, ct));

    /// <summary>Runs <paramref name="action"/>, translating failures.</summary>
    public static Task RunAsync(Func<Task> action, string target, string provider, CancellationToken ct) =>
        MappedCall.RunAsync(action, e => Map(e, target, provider, ct));

    /// <summary>The StorageException for an error S3 reports inside a response (a key of DeleteObjects), by its code.</summary>
    public static StorageException FromErrorCode(string? code, string? message, string target, string provider) =>
        Classify(code ?? "", 0, message, target, provider, null, null);

    private static StorageException MapService(AmazonServiceException e, string target, string provider) =>
        Classify(e.ErrorCode ?? "", (int)e.StatusCode, e.Message, target, provider, e, RetryAfter(e));

    private static StorageException Classify(string code, int status, string? serverMessage, string target, string provider, Exception? inner, TimeSpan? retryAfter)
    {
        var detail = status == 0 ? (string.IsNullOrEmpty(code) ? "no error code" : code)
            : string.IsNullOrEmpty(code) ? $"HTTP {status}" : $"{code}, HTTP {status}";
        StorageException Make(StorageErrorKind kind, string message, bool? transient = null) =>
            new(kind, $"{message} ({detail}).", target, provider, inner, transient, retryAfter);

        switch (code)
        {
            case "NoSuchKey":
                return Make(StorageErrorKind.NotFound, $"'{target}' was not found");
            case "NoSuchBucket":
                return Make(StorageErrorKind.NotFound, $"The bucket of '{target}' does not exist");
            case "NoSuchUpload":
                return Make(StorageErrorKind.NotFound, $"The multipart upload of '{target}' no longer exists");
            case "AccessDenied" or "AllAccessDisabled" or "InvalidAccessKeyId" or "SignatureDoesNotMatch" or "ExpiredToken"
                or "InvalidToken" or "TokenRefreshRequired" or "AccountProblem" or "InvalidObjectState":
                return Make(StorageErrorKind.PermissionDenied, $"Access to '{target}' was denied", transient: false);
            case "SlowDown" or "Throttling" or "ThrottlingException" or "RequestLimitExceeded" or "TooManyRequests" or "TooManyRequestsException":
                return Make(StorageErrorKind.Throttled, $"S3 asked to slow down while working on '{target}'");
            case "InternalError" or "RequestTimeout" or "RequestTimeTooSkewed" or "OperationAborted" or "ServiceUnavailable":
                return Make(StorageErrorKind.Transient, $"S3 failed temporarily while working on '{target}'");
            case "BadDigest" or "InvalidDigest" or "XAmzContentSHA256Mismatch" or "IncompleteBody":
                return Make(StorageErrorKind.IntegrityFailure, $"S3 received different bytes than were sent for '{target}'");
            case "PreconditionFailed" or "ConditionalRequestConflict":
                return Make(StorageErrorKind.Conflict, $"'{target}' changed while it was being worked on");
            case "KeyTooLongError":
                return Make(StorageErrorKind.InvalidKey, $"The key of '{target}' is too long for S3");
            case "InvalidBucketName":
                return Make(StorageErrorKind.Configuration, $"The bucket name of '{target}' is not valid");
            case "PermanentRedirect" or "AuthorizationHeaderMalformed" or "IllegalLocationConstraintException":
                return Make(StorageErrorKind.Configuration, $"The bucket of '{target}' is in another region or behind another endpoint; set the provider's region");
            case "NotImplemented" or "MethodNotAllowed":
                return Make(StorageErrorKind.Unsupported, $"The S3 service does not support this operation on '{target}'");
            case "InvalidArgument" or "InvalidRequest" or "InvalidRange" or "EntityTooLarge" or "EntityTooSmall" or "InvalidPart"
                or "InvalidPartOrder" or "InvalidStorageClass" or "InvalidTag" or "MalformedXML" or "MetadataTooLarge":
                return Make(StorageErrorKind.InvalidArgument, $"S3 refused the request for '{target}'");
        }
        return status switch
        {
            404 => Make(StorageErrorKind.NotFound, $"'{target}' was not found"),
            401 or 403 => Make(StorageErrorKind.PermissionDenied, $"Access to '{target}' was denied", transient: false),
            409 => Make(StorageErrorKind.Conflict, $"A conflicting operation is in progress on '{target}'"),
            412 => Make(StorageErrorKind.Conflict, $"'{target}' changed while it was being worked on"),
            429 => Make(StorageErrorKind.Throttled, $"S3 asked to slow down while working on '{target}'"),
            503 => Make(StorageErrorKind.Throttled, $"S3 is unavailable or asked to slow down while working on '{target}'"),
            408 or >= 500 => Make(StorageErrorKind.Transient, $"S3 failed temporarily while working on '{target}'"),
            400 => Make(StorageErrorKind.InvalidArgument, $"S3 refused the request for '{target}'"),
            _ => Make(StorageErrorKind.Unknown, $"S3 failed on '{target}': {serverMessage}"),
        };
    }

    /// <summary>The Retry-After header of the failed response (seconds or an HTTP date), when there was one.</summary>
    internal static TimeSpan? RetryAfter(Exception e)
    {
        for (var x = e; x is not null; x = x.InnerException)
        {
            if (x is not HttpErrorResponseException { Response: { } response } || !response.IsHeaderPresent("Retry-After")) continue;
            if (RetryAfterHeader.Parse(response.GetHeaderValue("Retry-After"), DateTimeOffset.UtcNow) is { } delay) return delay;
        }
        return null;
    }
}
