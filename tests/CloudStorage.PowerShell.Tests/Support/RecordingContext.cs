using CloudStorage.Core.Addressing;
using CloudStorage.PowerShell.Infrastructure;

namespace CloudStorage.PowerShell.Tests.Support;

/// <summary>Records everything a cmdlet writes or asks, and answers ShouldProcess as configured.</summary>
public sealed class RecordingContext : ICmdletContext
{
    public RecordingContext(ProviderRegistry? registry = null, string? currentDirectory = null)
    {
        Registry = registry ?? new ProviderRegistry();
        CurrentDirectory = currentDirectory ?? Directory.GetCurrentDirectory();
    }

    public ProviderRegistry Registry { get; }
    public string CurrentDirectory { get; set; }
    public bool WhatIfRequested { get; set; }
    public CancellationTokenSource Cancellation { get; } = new();
    public CancellationToken CancellationToken => Cancellation.Token;

    /// <summary>The answer to ShouldProcess when no handler is set (PowerShell answers false under -WhatIf).</summary>
    public bool ShouldProcessAnswer { get; set; } = true;
    public Func<string, string, bool>? OnShouldProcess { get; set; }
    public Action<object?>? OnWriteObject { get; set; }
    public Action<StorageErrorRecord>? OnWriteError { get; set; }

    public List<object?> Output { get; } = new();
    public List<StorageErrorRecord> Errors { get; } = new();
    public List<string> Warnings { get; } = new();
    public List<string> Verbose { get; } = new();
    public List<StorageProgressRecord> Progress { get; } = new();
    public List<(string Target, string Action)> Questions { get; } = new();

    /// <summary>Every managed thread a call arrived on (the pump must keep this to the test's thread).</summary>
    public HashSet<int> Threads { get; } = new();

    public IEnumerable<T> OutputOf<T>() => Output.OfType<T>();

    private void Touch() { lock (Threads) Threads.Add(Environment.CurrentManagedThreadId); }

    public void WriteObject(object? value) { Touch(); Output.Add(value); OnWriteObject?.Invoke(value); }
    public void WriteError(StorageErrorRecord error) { Touch(); Errors.Add(error); OnWriteError?.Invoke(error); }
    public void WriteWarning(string message) { Touch(); Warnings.Add(message); }
    public void WriteVerbose(string message) { Touch(); Verbose.Add(message); }
    public void WriteProgress(StorageProgressRecord progress) { Touch(); Progress.Add(progress); }

    public bool ShouldProcess(string target, string action)
    {
        Touch();
        Questions.Add((target, action));
        if (WhatIfRequested) return false;
        return OnShouldProcess?.Invoke(target, action) ?? ShouldProcessAnswer;
    }
}
