namespace CloudStorage.PowerShell.Infrastructure;

/// <summary>
/// Thrown by cmdlet code for errors that stop the whole command (invalid parameter combinations); the cmdlet base
/// turns it into <c>ThrowTerminatingError</c>, and tests see it propagate.
/// </summary>
public sealed class TerminatingErrorException : Exception
{
    /// <summary>Wraps the record to throw.</summary>
    public TerminatingErrorException(StorageErrorRecord record) : base(record.Exception.Message, record.Exception) => Record = record;

    /// <summary>The error record.</summary>
    public StorageErrorRecord Record { get; }
}
