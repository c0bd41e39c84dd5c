using System.Net.Sockets;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using Azure;
using CloudStorage.Core.Errors;
using CloudStorage.Providers.Common;

namespace CloudStorage.Providers.Azure;

/// <summary>
/// Turns what the SDK throws (RequestFailedException with the service's status and error code, transport failures,
/// Entra ID failures, cancellations and timeouts) into <see cref="StorageException"/>s with the engine's kinds before
/// they reach a cmdlet. Messages name the object and the service's error code, never a key, signature or token: the
/// SDK's own message (which repeats the response with its headers) is not kept, only the scrubbed first line of the
/// service's error message, and the exception chain carries no request.
/// </summary>
internal static partial class AzureErrorMapper
{
    public static StorageException? Map(Exception error, string target, string provider, CancellationToken cancellationToken)
    {
        switch (error)
        {
            case StorageException:
                return null;
            case OperationCanceledException when cancellationToken.IsCancellationRequested:
                return null;
            case OperationCanceledException:
                return new StorageException(StorageErrorKind.Transient, $"The request for '{target}' timed out.", target, provider);
            case RequestFailedException { Status: 0, InnerException: OperationCanceledException } when cancellationToken.IsCancellationRequested:
                return null;
            case RequestFailedException { Status: 0 } transport:
                return new StorageException(StorageErrorKind.Transient,
                    $"The connection to Azure Blob Storage failed while working on '{target}': {Describe(transport.InnerException ?? transport)}", target, provider);
            case RequestFailedException service:
                return MapService(service, target, provider);
            case HttpRequestException or IOException or SocketException:
                return new StorageException(StorageErrorKind.Transient,
                    $"The connection to Azure Blob Storage failed while working on '{target}': {Describe(error)}", target, provider);
            case global::Azure.Identity.AuthenticationFailedException or global::Azure.Identity.CredentialUnavailableException:
                return new StorageException(StorageErrorKind.PermissionDenied,
                    $"No Microsoft Entra ID token could be obtained for '{target}' ({error.GetType().Name}); sign in (az login), set a managed identity, or use a key or SAS.",
                    target, provider, isTransient: false);
            case InvalidOperationException when error.Message.Contains("TLS", StringComparison.OrdinalIgnoreCase)
                                                  || error.Message.Contains("https", StringComparison.OrdinalIgnoreCase):
                // Azure.Core refuses to send a bearer token over plain http (an http:// endpoint with Entra ID).
                return new StorageException(StorageErrorKind.Configuration,
                    $"Microsoft Entra ID tokens are sent only over https, and the endpoint of '{target}' is http; use an https endpoint, a key or a SAS.",
                    target, provider, isTransient: false);
            case System.Xml.XmlException:
                // An answer cut short or garbled on the way: a retry may get it whole.
                return new StorageException(StorageErrorKind.Transient,
                    $"The answer of Azure Blob Storage for '{target}' was not readable XML: {Describe(error)}", target, provider);
            case InvalidOperationException or ArgumentException or FormatException:
                return new StorageException(StorageErrorKind.Unknown,
                    $"Azure Blob Storage could not work on '{target}': {Describe(error)} ({error.GetType().Name}).", target, provider, isTransient: false);
            default:
                return null;
        }
    }

    // Transport messages name hosts and sockets, never URLs with their query: kept, first line only.
    private static string Describe(Exception e) => e.Message.Split('\n', 2)[0].Trim();

    public static Task<T> RunAsync<T>(Func<Task<T>> action, string target, string provider, CancellationToken ct) =>
        MappedCall.RunAsync(action, e => Map(e, target, provider, ct));

    public static Task RunAsync(Func<Task> action, string target, string provider, CancellationToken ct) =>
        MappedCall.RunAsync(action, e => Map(e, target, provider, ct));

    /// <summary>The service's error code of an SDK failure (x-ms-error-code, or the Code of the XML body).</summary>
    public static string? ErrorCode(RequestFailedException e) => e.ErrorCode ?? ServiceError(e).Code;

    // The Code and Message of the XML error body, when the SDK kept it.
    private static (string? Code, string? Message) ServiceError(RequestFailedException e)
    {
        try
        {
            var text = e.GetRawResponse()?.Content?.ToString();
            if (string.IsNullOrEmpty(text) || !text.TrimStart().StartsWith('<')) return (null, null);
            var root = XDocument.Parse(text).Root;
            return (root?.Element("Code")?.Value, root?.Element("Message")?.Value);
        }
        catch (Exception x) when (x is System.Xml.XmlException or InvalidOperationException or ArgumentException)
        {
            return (null, null); // an unreadable error body: the status and code say enough
        }
    }

    private static TimeSpan? RetryAfter(RequestFailedException e) =>
        e.GetRawResponse() is { } response && response.Headers.TryGetValue("Retry-After", out var value)
            ? RetryAfterHeader.Parse(value, DateTimeOffset.UtcNow)
            : null;

    private static StorageException MapService(RequestFailedException e, string target, string provider)
    {
        var (bodyCode, bodyMessage) = ServiceError(e);
        var code = e.ErrorCode ?? bodyCode ?? "";
        var detail = string.IsNullOrEmpty(code) ? $"HTTP {e.Status}" : $"{code}, HTTP {e.Status}";
        if (Scrub(bodyMessage) is { } serviceMessage && !IsAuthentication(code)) detail += ": " + serviceMessage;
        var retryAfter = RetryAfter(e);
        // The inner exception is not attached: its text is the SDK's dump of the response, and callers print exception chains.
        StorageException Make(StorageErrorKind kind, string message, bool? transient = null) =>
            new(kind, $"{message} ({detail}).", target, provider, null, transient, retryAfter);

        switch (code)
        {
            case "BlobNotFound":
                return Make(StorageErrorKind.NotFound, $"'{target}' was not found");
            case "ContainerNotFound":
                return Make(StorageErrorKind.NotFound, $"The container of '{target}' does not exist");
            case "ResourceNotFound":
                return Make(StorageErrorKind.NotFound, $"The storage account or container of '{target}' was not found");
            case var c when IsAuthentication(c):
                return Make(StorageErrorKind.PermissionDenied, $"Access to '{target}' was denied", transient: false);
            case "ServerBusy" or "TooManyRequests":
                return Make(StorageErrorKind.Throttled, $"Azure Storage asked to slow down while working on '{target}'");
            case "InternalError" or "OperationTimedOut":
                return Make(StorageErrorKind.Transient, $"Azure Storage failed temporarily while working on '{target}'");
            case "Md5Mismatch" or "InvalidMd5" or "Crc64Mismatch":
                return Make(StorageErrorKind.IntegrityFailure, $"Azure Storage received different bytes than were sent for '{target}'");
            case "ConditionNotMet" or "SourceConditionNotMet" or "TargetConditionNotMet" or "LeaseIdMissing" or "LeaseIdMismatchWithBlobOperation"
                or "LeaseIdMismatchWithLeaseOperation" or "LeaseLost" or "PendingCopyOperation" or "InvalidBlockList" or "InvalidBlobOrBlock":
                return Make(StorageErrorKind.Conflict, $"'{target}' changed or is locked while it was being worked on");
            case "BlobAlreadyExists":
                return Make(StorageErrorKind.AlreadyExists, $"'{target}' already exists");
            case "BlobArchived" or "BlobBeingRehydrated":
                return Make(StorageErrorKind.PermissionDenied, $"'{target}' is in the Archive tier and must be rehydrated first", transient: false);
            case "CannotVerifyCopySource":
                return e.Status == 404
                    ? Make(StorageErrorKind.NotFound, $"The copy source of '{target}' was not found")
                    : Make(StorageErrorKind.PermissionDenied, $"The copy source of '{target}' could not be read", transient: false);
            case "InvalidMetadata" or "MetadataTooLarge" or "InvalidTag" or "DuplicateTagNames" or "InvalidHeaderValue" or "InvalidQueryParameterValue" or "InvalidInput"
                or "OutOfRangeInput" or "RequestBodyTooLarge" or "InvalidBlobTier" or "InvalidXmlDocument" or "MissingRequiredHeader"
                or "InvalidRange" or "InvalidBlobType" or "UnsupportedHeader" or "InvalidUri":
                return Make(StorageErrorKind.InvalidArgument, $"Azure Storage refused the request for '{target}'");
            case "InvalidResourceName" or "OutOfRangeQueryParameterValue" when e.Status == 400:
                return Make(StorageErrorKind.InvalidKey, $"Azure Storage refused the name in '{target}'");
            case "NotImplemented" or "FeatureNotSupported" or "FeatureVersionMismatch":
                return Make(StorageErrorKind.Unsupported, $"This Azure Storage service does not support the operation on '{target}'");
            case "AccountIsDisabled":
                return Make(StorageErrorKind.Configuration, $"The storage account of '{target}' is disabled");
        }
        return e.Status switch
        {
            404 => Make(StorageErrorKind.NotFound, $"'{target}' was not found"),
            401 or 403 => Make(StorageErrorKind.PermissionDenied, $"Access to '{target}' was denied", transient: false),
            409 or 412 => Make(StorageErrorKind.Conflict, $"'{target}' changed while it was being worked on"),
            429 => Make(StorageErrorKind.Throttled, $"Azure Storage asked to slow down while working on '{target}'"),
            503 => Make(StorageErrorKind.Throttled, $"Azure Storage is busy or unavailable while working on '{target}'"),
            501 => Make(StorageErrorKind.Unsupported, $"This Azure Storage service does not support the operation on '{target}'"),
            408 or >= 500 => Make(StorageErrorKind.Transient, $"Azure Storage failed temporarily while working on '{target}'"),
            400 => Make(StorageErrorKind.InvalidArgument, $"Azure Storage refused the request for '{target}'"),
            _ => Make(StorageErrorKind.Unknown, $"Azure Storage failed on '{target}'"),
        };
    }

    private static bool IsAuthentication(string code) => code is "AuthenticationFailed" or "AuthorizationFailure" or "AuthorizationPermissionMismatch"
        or "AuthorizationSourceIPMismatch" or "AuthorizationProtocolMismatch" or "AuthorizationResourceTypeMismatch"
        or "AuthorizationServiceMismatch" or "InsufficientAccountPermissions" or "InvalidAuthenticationInfo" or "NoAuthenticationInformation"
        or "KeyBasedAuthenticationNotPermitted";

    [GeneratedRegex(@"(sig|signature|se|skoid|sktid)=[^&\s'""]*|SharedKey\s+[^\s'""]+|Bearer\s+[^\s'""]+", RegexOptions.IgnoreCase)]
    private static partial Regex SecretPattern();

    /// <summary>The first line of a service message, without signatures, SAS parameters or authorization values (the service may echo what it signed).</summary>
    public static string? Scrub(string? message)
    {
        if (string.IsNullOrWhiteSpace(message)) return null;
        var first = message.Split('\n', 2)[0].Trim();
        return SecretPattern().Replace(first, m => m.Value.Split('=', 2)[0].Split(' ', 2)[0] + (m.Value.Contains('=') ? "=***" : " ***"));
    }
}
