using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using CloudStorage.Errors;

namespace CloudStorage.Providers.Gcs;

/// <summary>
/// Turns GCS JSON API error responses and transport failures into <see cref="StorageException"/>s. Following Google's
/// retry guidance, 408, 429 and 5xx (except 501) and dropped connections are transient; 401/403 never are. Messages
/// carry the service's error message and reason, never request headers (where the bearer token travels).
/// </summary>
internal static class GcsErrorMapper
{
    /// <summary>The error of a failed response (the body is read here, at most 64 KiB of it).</summary>
    public static async Task<StorageException> FromResponseAsync(HttpResponseMessage response, string target, string provider, CancellationToken ct)
    {
        string body;
        try
        {
            body = await response.Content.ReadAsStringAsync(ct).ConfigureAwait(false);
            if (body.Length > 65536) body = body[..65536];
        }
        catch (Exception e) when (e is HttpRequestException or IOException)
        {
            body = "";
        }
        return FromStatus(response.StatusCode, body, RetryAfter(response), target, provider);
    }

    /// <summary>The error for an HTTP status and the JSON error document GCS sends with it.</summary>
    public static StorageException FromStatus(HttpStatusCode status, string body, TimeSpan? retryAfter, string target, string provider)
    {
        var (message, reason) = Parse(body);
        var code = (int)status;
        var detail = reason is null ? $"HTTP {code}" : $"{reason}, HTTP {code}";
        var said = string.IsNullOrWhiteSpace(message) ? "" : $": {Trim(message)}";
        StorageException Make(StorageErrorKind kind, string text, bool? transient = null) =>
            new(kind, $"{text}{said} ({detail}).", target, provider, null, transient, retryAfter);

        if (code == 400 && message is not null && LooksLikeHashMismatch(message))
            return Make(StorageErrorKind.IntegrityFailure, $"GCS received different bytes than were sent for '{target}'");
        return code switch
        {
            404 when message?.Contains("bucket", StringComparison.OrdinalIgnoreCase) == true && message.Contains("not exist", StringComparison.OrdinalIgnoreCase)
                => Make(StorageErrorKind.NotFound, $"The bucket of '{target}' does not exist"),
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

    /// <summary>
    /// The StorageException for a transport failure, or null when it must pass unchanged (a StorageException, or the
    /// cancellation the caller asked for).
    /// </summary>
    public static StorageException? MapTransport(Exception error, string target, string provider, CancellationToken ct) => error switch
    {
        StorageException => null,
        OperationCanceledException when ct.IsCancellationRequested => null,
        OperationCanceledException oce => new StorageException(StorageErrorKind.Transient, $"The request for '{target}' timed out.", target, provider, oce),
        HttpRequestException or IOException or SocketException =>
            new StorageException(StorageErrorKind.Transient, $"The connection failed while working on '{target}': {error.Message}", target, provider, error),
        _ => null,
    };

    private static bool LooksLikeHashMismatch(string message) =>
        (message.Contains("match", StringComparison.OrdinalIgnoreCase) || message.Contains("mismatch", StringComparison.OrdinalIgnoreCase)) &&
        (message.Contains("md5", StringComparison.OrdinalIgnoreCase) || message.Contains("crc32c", StringComparison.OrdinalIgnoreCase) ||
         message.Contains("hash", StringComparison.OrdinalIgnoreCase));

    private static string Trim(string message)
    {
        var oneLine = message.ReplaceLineEndings(" ").Trim();
        return oneLine.Length > 500 ? oneLine[..500] + "..." : oneLine;
    }

    // {"error":{"code":403,"message":"...","errors":[{"reason":"forbidden",...}]}}, or plain text from emulators.
    private static (string? Message, string? Reason) Parse(string body)
    {
        if (string.IsNullOrWhiteSpace(body)) return (null, null);
        try
        {
            using var doc = JsonDocument.Parse(body);
            if (doc.RootElement.ValueKind != JsonValueKind.Object || !doc.RootElement.TryGetProperty("error", out var error))
                return (null, null);
            if (error.ValueKind == JsonValueKind.String) return (error.GetString(), null);
            var message = error.TryGetProperty("message", out var m) && m.ValueKind == JsonValueKind.String ? m.GetString() : null;
            string? reason = null;
            if (error.TryGetProperty("errors", out var errors) && errors.ValueKind == JsonValueKind.Array && errors.GetArrayLength() > 0
                && errors[0].TryGetProperty("reason", out var r) && r.ValueKind == JsonValueKind.String)
                reason = r.GetString();
            return (message, reason);
        }
        catch (JsonException)
        {
            return (body.Length > 200 ? body[..200] : body, null);
        }
    }

    /// <summary>The Retry-After of a response (seconds or an HTTP date), when given.</summary>
    public static TimeSpan? RetryAfter(HttpResponseMessage response)
    {
        if (response.Headers.RetryAfter is not { } ra) return null;
        if (ra.Delta is { } delta) return delta;
        if (ra.Date is { } date)
        {
            var wait = date - DateTimeOffset.UtcNow;
            return wait > TimeSpan.Zero ? wait : TimeSpan.Zero;
        }
        return null;
    }

    internal static string Invariant(long value) => value.ToString(CultureInfo.InvariantCulture);
}
