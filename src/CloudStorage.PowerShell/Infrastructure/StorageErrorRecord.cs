using System.Management.Automation;

namespace CloudStorage.PowerShell.Infrastructure;

/// <summary>
/// A PowerShell-free description of an error record: the exception, a stable id (<c>StorageNotFound</c>; PowerShell
/// appends <c>,CmdletClassName</c> to make the fully qualified id), the category and the object concerned.
/// </summary>
public sealed record StorageErrorRecord(Exception Exception, string ErrorId, ErrorCategory Category, object? TargetObject)
{
    /// <summary>The real error record.</summary>
    public ErrorRecord ToErrorRecord() => new(Exception, ErrorId, Category, TargetObject);

    /// <inheritdoc />
    public override string ToString() => $"{ErrorId} ({Category}) {TargetObject}: {Exception.Message}";
}
