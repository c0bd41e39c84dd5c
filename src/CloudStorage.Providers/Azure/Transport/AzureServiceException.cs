using System.Text.RegularExpressions;

namespace CloudStorage.Providers.Azure.Transport;

/// <summary>
/// An error answer of the Blob service: HTTP status, error code (x-ms-error-code) and the first line of the
/// service's message with anything signature-like removed (the service may echo the string it signed).
/// </summary>
internal sealed partial class AzureServiceException(int status, string? errorCode, string? serviceMessage, TimeSpan? retryAfter)
    : Exception($"HTTP {status}{(errorCode is null ? "" : " " + errorCode)}{(string.IsNullOrEmpty(serviceMessage) ? "" : ": " + serviceMessage)}")
{
    public int Status { get; } = status;
    public string? ErrorCode { get; } = errorCode;
    public string? ServiceMessage { get; } = serviceMessage;
    public TimeSpan? RetryAfter { get; } = retryAfter;

    [GeneratedRegex(@"(sig|signature|se|skoid|sktid)=[^&\s'""]*|SharedKey\s+[^\s'""]+|Bearer\s+[^\s'""]+", RegexOptions.IgnoreCase)]
    private static partial Regex SecretPattern();

    /// <summary>The first line of a service message, without signatures, SAS parameters or authorization values.</summary>
    public static string? Scrub(string? message)
    {
        if (string.IsNullOrWhiteSpace(message)) return null;
        var first = message.Split('\n', 2)[0].Trim();
        return SecretPattern().Replace(first, m => m.Value.Split('=', 2)[0].Split(' ', 2)[0] + (m.Value.Contains('=') ? "=***" : " ***"));
    }
}
