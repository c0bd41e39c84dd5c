using CloudStorage.Core.Addressing;

namespace CloudStorage.PowerShell.Infrastructure;

/// <summary>
/// Everything a cmdlet does to the outside world. The cmdlet base implements it with the real PSCmdlet calls;
/// tests substitute a recorder, and the async pump wraps it so calls from a worker run on the pipeline thread.
/// </summary>
public interface ICmdletContext
{
    /// <summary>Sends one object down the pipeline (arrays are sent as one object, not enumerated).</summary>
    void WriteObject(object? value);

    /// <summary>Writes a non-terminating error.</summary>
    void WriteError(StorageErrorRecord error);

    /// <summary>Writes a warning.</summary>
    void WriteWarning(string message);

    /// <summary>Writes a verbose message.</summary>
    void WriteVerbose(string message);

    /// <summary>Writes a progress record.</summary>
    void WriteProgress(StorageProgressRecord progress);

    /// <summary>Asks -WhatIf/-Confirm whether to change <paramref name="target"/>; false means leave it alone.</summary>
    bool ShouldProcess(string target, string action);

    /// <summary>True when the user asked for -WhatIf (so a cmdlet can describe the plan instead of acting).</summary>
    bool WhatIfRequested { get; }

    /// <summary>The session's current file-system directory, for relative local paths.</summary>
    string CurrentDirectory { get; }

    /// <summary>The provider registry addresses resolve through.</summary>
    ProviderRegistry Registry { get; }

    /// <summary>Cancelled when the pipeline stops (Ctrl+C).</summary>
    CancellationToken CancellationToken { get; }
}
