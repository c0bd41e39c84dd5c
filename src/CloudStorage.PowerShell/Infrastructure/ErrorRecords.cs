using System.Management.Automation;
using CloudStorage.Core.Errors;

namespace CloudStorage.PowerShell.Infrastructure;

/// <summary>Turns engine failures into error records with stable ids and the right categories.</summary>
public static class ErrorRecords
{
    /// <summary>The PowerShell category of a storage error kind.</summary>
    public static ErrorCategory CategoryOf(StorageErrorKind kind) => kind switch
    {
        StorageErrorKind.NotFound => ErrorCategory.ObjectNotFound,
        StorageErrorKind.AlreadyExists => ErrorCategory.ResourceExists,
        StorageErrorKind.PermissionDenied => ErrorCategory.PermissionDenied,
        StorageErrorKind.InvalidKey => ErrorCategory.InvalidArgument,
        StorageErrorKind.InvalidArgument => ErrorCategory.InvalidArgument,
        StorageErrorKind.Unsupported => ErrorCategory.NotImplemented,
        StorageErrorKind.Conflict => ErrorCategory.ResourceUnavailable,
        StorageErrorKind.Throttled => ErrorCategory.LimitsExceeded,
        StorageErrorKind.Transient => ErrorCategory.ConnectionError,
        StorageErrorKind.IntegrityFailure => ErrorCategory.InvalidResult,
        StorageErrorKind.Configuration => ErrorCategory.InvalidOperation,
        StorageErrorKind.LimitExceeded => ErrorCategory.LimitsExceeded,
        _ => ErrorCategory.NotSpecified,
    };

    /// <summary>
    /// True for failures that concern one item and should not stop the pipeline: storage errors and file-system
    /// errors. Anything else (a bug, cancellation) propagates.
    /// </summary>
    public static bool IsItemFailure(Exception ex) => ex is StorageException or IOException or UnauthorizedAccessException;

    /// <summary>The record for a failure; <paramref name="target"/> is used when the exception names no target.</summary>
    public static StorageErrorRecord From(Exception ex, object? target) => ex switch
    {
        StorageException se => new StorageErrorRecord(se, se.ErrorId, CategoryOf(se.Kind), (object?)se.Target ?? target),
        UnauthorizedAccessException => new StorageErrorRecord(ex, "Storage" + StorageErrorKind.PermissionDenied, ErrorCategory.PermissionDenied, target),
        FileNotFoundException or DirectoryNotFoundException => new StorageErrorRecord(ex, "Storage" + StorageErrorKind.NotFound, ErrorCategory.ObjectNotFound, target),
        IOException => new StorageErrorRecord(ex, "StorageIOError", ErrorCategory.ResourceUnavailable, target),
        _ => new StorageErrorRecord(ex, "Storage" + StorageErrorKind.Unknown, ErrorCategory.NotSpecified, target),
    };

    /// <summary>A record for a storage error raised by the cmdlet itself.</summary>
    public static StorageErrorRecord Create(StorageErrorKind kind, string message, object? target)
    {
        var ex = new StorageException(kind, message, target?.ToString());
        return new StorageErrorRecord(ex, ex.ErrorId, CategoryOf(kind), target);
    }

    /// <summary>An exception that stops the command with a record of the given kind.</summary>
    public static TerminatingErrorException Terminating(StorageErrorKind kind, string message, object? target) =>
        new(Create(kind, message, target));
}
