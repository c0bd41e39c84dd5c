namespace CloudStorage.Core.Errors;

/// <summary>
/// The single exception type the engine and every provider throw. <see cref="Kind"/> says what happened,
/// <see cref="IsTransient"/> tells the resilience layer whether a retry may help, and <see cref="Target"/>
/// names the object (an address or key, never a credential).
/// </summary>
public sealed class StorageException : Exception
{
    /// <summary>Creates an exception; transient-ness defaults from the kind.</summary>
    public StorageException(StorageErrorKind kind, string message, string? target = null, string? provider = null,
        Exception? inner = null, bool? isTransient = null, TimeSpan? retryAfter = null)
        : base(message, inner)
    {
        Kind = kind;
        Target = target;
        Provider = provider;
        IsTransient = isTransient ?? kind is StorageErrorKind.Transient or StorageErrorKind.Throttled;
        RetryAfter = retryAfter;
    }

    /// <summary>What went wrong.</summary>
    public StorageErrorKind Kind { get; }

    /// <summary>True when retrying the same call may succeed.</summary>
    public bool IsTransient { get; }

    /// <summary>The address or key the failure concerns, when known.</summary>
    public string? Target { get; }

    /// <summary>The provider that reported the failure, when known.</summary>
    public string? Provider { get; }

    /// <summary>A server-suggested delay before retrying (Retry-After), when given.</summary>
    public TimeSpan? RetryAfter { get; }

    /// <summary>A stable identifier for scripts and ErrorRecords, e.g. <c>StorageNotFound</c>.</summary>
    public string ErrorId => "Storage" + Kind;

    internal static StorageException NotFound(string target, string? provider = null) =>
        new(StorageErrorKind.NotFound, $"'{target}' was not found" + (provider is null ? "." : $" in provider '{provider}'."), target, provider);

    internal static StorageException InvalidKey(string key, string reason, string? provider = null) =>
        new(StorageErrorKind.InvalidKey, $"Invalid key '{Printable(key)}': {reason}", key, provider);

    internal static StorageException Unsupported(string provider, string capability) =>
        new(StorageErrorKind.Unsupported, $"Provider '{provider}' does not support {capability}.", provider, provider);

    /// <summary>Makes control characters visible so an error message stays on one line and shows the offender.</summary>
    internal static string Printable(string s)
    {
        var sb = new System.Text.StringBuilder(s.Length);
        foreach (var c in s)
        {
            if (char.IsControl(c)) sb.Append($"\\u{(int)c:x4}"); else sb.Append(c);
        }
        return sb.ToString();
    }
}
