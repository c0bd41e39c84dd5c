namespace CloudStorage.Core.Errors;

/// <summary>What went wrong, independent of the provider that reported it (OpenDAL's ErrorKind, rclone's fs errors).</summary>
public enum StorageErrorKind
{
    /// <summary>Anything not classified below.</summary>
    Unknown = 0,
    /// <summary>The object, bucket or container does not exist.</summary>
    NotFound,
    /// <summary>The target exists and overwriting was not allowed.</summary>
    AlreadyExists,
    /// <summary>Credentials are missing, wrong, or lack the permission.</summary>
    PermissionDenied,
    /// <summary>A key or address is malformed, or would escape the provider's root.</summary>
    InvalidKey,
    /// <summary>A caller-supplied argument is invalid (not the key).</summary>
    InvalidArgument,
    /// <summary>The provider lacks the capability that was asked for.</summary>
    Unsupported,
    /// <summary>A precondition failed or a concurrent change was detected.</summary>
    Conflict,
    /// <summary>The service asked the caller to slow down (429, SlowDown, ServerBusy).</summary>
    Throttled,
    /// <summary>A fault that a retry may cure (timeouts, 5xx, dropped connections).</summary>
    Transient,
    /// <summary>Data did not match the expected hash or size.</summary>
    IntegrityFailure,
    /// <summary>The configuration of a provider is incomplete or contradictory.</summary>
    Configuration,
    /// <summary>A guard refused the operation (for example sync's max-delete).</summary>
    LimitExceeded,
}
