using System.Net;
using System.Net.Sockets;
using CloudStorage.Core.Errors;
using CloudStorage.Providers.Common;
using Google;
using Google.Apis.Auth.OAuth2.Responses;

namespace CloudStorage.Providers.Gcs;

/// <summary>
/// Turns what the GCS SDK throws into <see cref="StorageException"/>s: <see cref="GoogleApiException"/> by its HTTP
/// status and the service's error reason, <see cref="TokenResponseException"/> (the credential could not get a token),
/// JSON the SDK could not read, timeouts and dropped connections. Following Google's retry guidance, 408, 429 and 5xx
/// (except 501) and dropped connections are transient; 401/403 never are. Messages carry the service's error message
/// and reason, never request headers (where the bearer token travels).
/// </summary>
internal static class GcsErrorMapper
{
    /// <summary>
    /// The StorageException for <paramref name="error"/>, or null when it must pass unchanged (a StorageException, or
    /// the cancellation the caller asked for).
    /// </summary>
    public static StorageException? Map(Exception error, string target, string provider, CancellationToken ct) => error switch
    {
        StorageException => null,
        OperationCanceledException when ct.IsCancellationRequested => null,
        GoogleApiException api => FromApi(api, target, provider),
        TokenResponseException token => FromToken(token, target, provider),
        HttpTimeoutException timeout =>
            new StorageException(StorageErrorKind.Transient, $"{timeout.Message} (while working on '{target}')", target, provider, timeout),
        OperationCanceledException or TimeoutException =>
            new StorageException(StorageErrorKind.Transient, $"The request for '{target}' timed out.", target, provider, error),
        HttpRequestException or IOException or SocketException =>
            new StorageException(StorageErrorKind.Transient, $"The connection failed while working on '{target}': {FirstLine(error.Message)}", target, provider, error),
        // An answer cut short or garbled on the way (a proxy, a dropped connection): a retry may get it whole.
        Newtonsoft.Json.JsonException or System.Text.Json.JsonException =>
            new StorageException(StorageErrorKind.Transient, $"The answer for '{target}' was not readable JSON: {FirstLine(error.Message)}", target, provider, error),
        _ => null,
    };

    /// <summary>Runs <paramref name="action"/>, throwing the mapped form of its failures.</summary>
    public static async Task<T> RunAsync<T>(Func<Task<T>> action, string target, string provider, CancellationToken ct)
    {
        GcsCallState.Begin();
        try
        {
            return await action().ConfigureAwait(false);
        }
        catch (Exception e) when (Map(e, target, provider, ct) is { } mapped)
        {
            throw mapped;
        }
    }

    private static StorageException FromApi(GoogleApiException e, string target, string provider)
    {
        var status = e.HttpStatusCode;
        if ((int)status == 0)
        {
            // The SDK could not make sense of the answer (no status of its own): treat it as a garbled answer.
            return new StorageException(StorageErrorKind.Transient, $"GCS answered unreadably while working on '{target}': {FirstLine(e.Message)}", target, provider, e);
        }
        var message = e.Error?.Message;
        if (string.IsNullOrWhiteSpace(message) && e.Error?.ErrorResponseContent is { Length: > 0 } content) message = content.Length > 200 ? content[..200] : content;
        var reason = e.Error?.Errors?.FirstOrDefault()?.Reason;
        return FromStatus(status, message, reason, GcsCallState.RetryAfter, target, provider, e);
    }

    /// <summary>The error for an HTTP status and the message and reason GCS sent with it.</summary>
    public static StorageException FromStatus(HttpStatusCode status, string? message, string? reason, TimeSpan? retryAfter, string target, string provider,
        Exception? inner = null)
    {
        var code = (int)status;
        var detail = reason is null ? $"HTTP {code}" : $"{reason}, HTTP {code}";
        var said = string.IsNullOrWhiteSpace(message) ? "" : $": {Trim(message)}";
        StorageException Make(StorageErrorKind kind, string text, bool? transient = null) =>
            new(kind, $"{text}{said} ({detail}).", target, provider, inner, transient, retryAfter);

        if (code == 400 && message is not null && LooksLikeHashMismatch(message))
            return Make(StorageErrorKind.IntegrityFailure, $"GCS received different bytes than were sent for '{target}'");
        return code switch
        {
            404 when IsMissingBucket(message) => Make(StorageErrorKind.NotFound, $"The bucket of '{target}' does not exist"),
            404 => Make(StorageErrorKind.NotFound, $"'{target}' was not found"),
            401 or 403 => Make(StorageErrorKind.PermissionDenied, $"Access to '{target}' was denied", transient: false),
            409 => Make(StorageErrorKind.Conflict, $"A conflicting operation is in progress on '{target}'"),
            412 => Make(StorageErrorKind.Conflict, $"'{target}' changed while it was being worked on (precondition failed)"),
            429 => Make(StorageErrorKind.Throttled, $"GCS asked to slow down while working on '{target}'"),
            501 => Make(StorageErrorKind.Unsupported, $"The GCS service does not implement this operation on '{target}'", transient: false),
            408 or >= 500 => Make(StorageErrorKind.Transient, $"GCS failed temporarily while working on '{target}'"),
            400 or 411 or 413 or 416 => Make(StorageErrorKind.InvalidArgument, $"GCS refused the request for '{target}'"),
            _ => Make(StorageErrorKind.Unknown, $"GCS failed on '{target}'"),
        };
    }

    /// <summary>True when a 404's message says the bucket, not the object, is missing.</summary>
    public static bool IsMissingBucket(string? message) =>
        message?.Contains("bucket", StringComparison.OrdinalIgnoreCase) == true && message.Contains("not exist", StringComparison.OrdinalIgnoreCase);

    private static StorageException FromToken(TokenResponseException e, string target, string provider)
    {
        var transient = e.StatusCode is { } s && ((int)s >= 500 || (int)s == 429);
        return new StorageException(transient ? StorageErrorKind.Transient : StorageErrorKind.PermissionDenied,
            $"Google refused an access token for '{target}' ({e.Error?.Error ?? "error"}: {e.Error?.ErrorDescription}). " +
            "Check the service account or run 'gcloud auth application-default login' again.", target, provider, e, transient);
    }

    private static bool LooksLikeHashMismatch(string message) =>
        (message.Contains("match", StringComparison.OrdinalIgnoreCase) || message.Contains("mismatch", StringComparison.OrdinalIgnoreCase)) &&
        (message.Contains("md5", StringComparison.OrdinalIgnoreCase) || message.Contains("crc32c", StringComparison.OrdinalIgnoreCase) ||
         message.Contains("hash", StringComparison.OrdinalIgnoreCase));

    private static string Trim(string message)
    {
        var oneLine = message.ReplaceLineEndings(" ").Trim();
        return oneLine.Length > 500 ? oneLine[..500] + "..." : oneLine;
    }

    private static string FirstLine(string message) => message.Split('\n', 2)[0].Trim();
}
