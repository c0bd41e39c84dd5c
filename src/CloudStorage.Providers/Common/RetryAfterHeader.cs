using System.Globalization;

namespace CloudStorage.Providers.Common;

/// <summary>The HTTP Retry-After header as the S3 and Azure transports receive it: a text value.</summary>
internal static class RetryAfterHeader
{
    /// <summary>A Retry-After header value: seconds or an HTTP date (a date in the past is no wait); null when absent or unreadable.</summary>
    public static TimeSpan? Parse(string? value, DateTimeOffset now)
    {
        if (string.IsNullOrWhiteSpace(value)) return null;
        value = value.Trim();
        if (int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds)) return TimeSpan.FromSeconds(seconds);
        if (DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var when))
            return when > now ? when - now : TimeSpan.Zero;
        return null;
    }
}
