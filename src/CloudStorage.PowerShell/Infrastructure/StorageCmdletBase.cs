using System.Management.Automation;
using CloudStorage.Addressing;
using CloudStorage.Errors;
using CloudStorage.Model;

namespace CloudStorage.PowerShell.Infrastructure;

/// <summary>
/// The base of every CloudStorage cmdlet. A cmdlet overrides <see cref="ProcessRecordCore"/> (and optionally the
/// begin/end stages) and talks to the world only through <see cref="Context"/>: here that is the cmdlet itself
/// (the real PSCmdlet calls); in tests it is a recorder. Async engine work runs through <see cref="RunAsync"/>,
/// which pumps its output back onto the pipeline thread. <c>StopProcessing</c> (Ctrl+C) cancels it.
/// </summary>
public abstract class StorageCmdletBase : PSCmdlet, ICmdletContext
{
    private readonly CancellationTokenSource _stopping = new();
    private ICmdletContext? _context;
    private volatile bool _progressWritten;

    /// <summary>Where output, errors, progress and questions go.</summary>
    internal ICmdletContext Context => _context ?? this;

    /// <summary>The progress activity id of this cmdlet: stable per cmdlet so all its records form one bar.</summary>
    protected internal virtual int ActivityId => StableId(GetType().Name);

    /// <summary>The activity text of progress records: the cmdlet's name (<c>Send-StorageObject</c>).</summary>
    protected internal string ActivityName => CmdletNameOf(GetType());

    // --- the stages a cmdlet implements ---

    /// <summary>Runs once before the pipeline input.</summary>
    protected virtual void BeginProcessingCore() { }

    /// <summary>Runs once per pipeline input (or once without pipeline input).</summary>
    protected abstract void ProcessRecordCore();

    /// <summary>Runs once after the pipeline input.</summary>
    protected virtual void EndProcessingCore() { }

    // --- PowerShell's entry points ---

    /// <inheritdoc />
    protected sealed override void BeginProcessing() => Guard(() => BeginProcessingWith(this));

    /// <inheritdoc />
    protected sealed override void ProcessRecord() => Guard(() => ProcessRecordWith(this));

    /// <inheritdoc />
    protected sealed override void EndProcessing() => Guard(() => EndProcessingWith(this));

    /// <inheritdoc />
    protected sealed override void StopProcessing() => _stopping.Cancel();

    private void Guard(Action stage)
    {
        try
        {
            stage();
        }
        catch (TerminatingErrorException terminating)
        {
            ThrowTerminatingError(terminating.Record.ToErrorRecord());
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
        {
            throw new PipelineStoppedException();
        }
    }

    // --- the seam: tests run the stages with their own context ---

    internal void BeginProcessingWith(ICmdletContext context)
    {
        _context = context;
        BeginProcessingCore();
    }

    internal void ProcessRecordWith(ICmdletContext context)
    {
        _context = context;
        ProcessRecordCore();
    }

    internal void EndProcessingWith(ICmdletContext context)
    {
        _context = context;
        EndProcessingCore();
        if (_progressWritten)
            context.WriteProgress(new StorageProgressRecord(ActivityId, ActivityName, "Completed", 100, Completed: true));
    }

    /// <summary>What StopProcessing does (Ctrl+C); callable from any thread.</summary>
    internal void Stop() => _stopping.Cancel();

    // --- switches ---
    // A switch's state is kept as a plain flag: PowerShell's binder writes through the SwitchParameter property, the
    // cmdlet reads IsSet, and tests (whose System.Management.Automation is a reference assembly, where SwitchParameter
    // always reads as absent) set the flag directly.

    private readonly HashSet<string> _switches = new(StringComparer.Ordinal);

    /// <summary>The value of a switch parameter, for its property getter.</summary>
    protected SwitchParameter Switch(string name) => new(_switches.Contains(name));

    /// <summary>Stores a switch parameter, for its property setter.</summary>
    protected void Switch(string name, SwitchParameter value) => SetSwitch(name, value.IsPresent);

    /// <summary>True when the switch was given.</summary>
    protected bool IsSet(string name) => _switches.Contains(name);

    /// <summary>Sets or clears a switch by parameter name.</summary>
    internal void SetSwitch(string name, bool on)
    {
        if (on) _switches.Add(name); else _switches.Remove(name);
    }

    // --- helpers for cmdlets ---

    /// <summary>Runs async work off the pipeline thread; its context calls come back here. Exceptions propagate.</summary>
    protected void RunAsync(Func<ICmdletContext, CancellationToken, Task> work) => AsyncPump.Run(Context, async (context, ct) =>
    {
        // Retries of the engine's work show on this cmdlet's -Verbose stream (one line each).
        using (Errors.RetryLog.Use(context.WriteVerbose))
            await work(context, ct).ConfigureAwait(false);
    }, _stopping.Token);

    /// <summary>Resolves an address against the context's registry and current directory.</summary>
    protected static StorageLocation Resolve(ICmdletContext context, string address) =>
        context.Registry.Resolve(address, context.CurrentDirectory);

    /// <summary>Writes a per-item failure as a non-terminating error.</summary>
    protected static void WriteFailure(ICmdletContext context, Exception ex, object? target) =>
        context.WriteError(ErrorRecords.From(ex, target));

    /// <summary>A progress sink for transfers of this cmdlet, writing through <paramref name="context"/>.</summary>
    protected IProgress<TransferProgress> ProgressFor(ICmdletContext context, string verb) => new TransferProgressReporter(this, context, verb);

    /// <summary>Writes one progress record of this cmdlet's activity.</summary>
    protected void WriteProgressRecord(ICmdletContext context, string status, int percent, string? currentOperation = null)
    {
        _progressWritten = true;
        context.WriteProgress(new StorageProgressRecord(ActivityId, ActivityName, status, percent) { CurrentOperation = currentOperation });
    }

    /// <summary>Stops the command with an error (for invalid parameter combinations).</summary>
    protected static TerminatingErrorException Terminating(StorageErrorKind kind, string message, object? target) =>
        ErrorRecords.Terminating(kind, message, target);

    /// <summary><c>Verb-Noun</c> from a <c>VerbNounCommand</c> class name (verbs are one word).</summary>
    internal static string CmdletNameOf(Type type)
    {
        var name = type.Name.EndsWith("Command", StringComparison.Ordinal) ? type.Name[..^"Command".Length] : type.Name;
        for (int i = 1; i < name.Length; i++)
            if (char.IsUpper(name[i])) return name[..i] + "-" + name[i..];
        return name;
    }

    // FNV-1a: the same id in every process, unlike string.GetHashCode.
    private static int StableId(string text)
    {
        unchecked
        {
            uint hash = 2166136261;
            foreach (var c in text) hash = (hash ^ c) * 16777619;
            return (int)(hash & 0x7fffffff);
        }
    }

    private sealed class TransferProgressReporter(StorageCmdletBase cmdlet, ICmdletContext context, string verb) : IProgress<TransferProgress>
    {
        public void Report(TransferProgress value) =>
            cmdlet.WriteProgressRecord(context, $"{verb} {value.Key}", value.PercentComplete,
                value.TotalBytes is { } total ? $"{value.BytesTransferred:N0} of {total:N0} bytes" : $"{value.BytesTransferred:N0} bytes");
    }

    // --- the real context: PSCmdlet's own methods (PowerShell only allows them on the pipeline thread) ---

    void ICmdletContext.WriteObject(object? value) => WriteObject(value, enumerateCollection: false);
    void ICmdletContext.WriteError(StorageErrorRecord error) => WriteError(error.ToErrorRecord());
    void ICmdletContext.WriteWarning(string message) => WriteWarning(message);
    void ICmdletContext.WriteVerbose(string message) => WriteVerbose(message);
    void ICmdletContext.WriteProgress(StorageProgressRecord progress) => WriteProgress(progress.ToProgressRecord());
    bool ICmdletContext.ShouldProcess(string target, string action) => ShouldProcess(target, action);

    bool ICmdletContext.WhatIfRequested
    {
        get
        {
            try
            {
                if (MyInvocation?.BoundParameters is { } bound && bound.TryGetValue("WhatIf", out var value))
                    return value is SwitchParameter s ? s.IsPresent : LanguagePrimitives.IsTrue(value);
                return LanguagePrimitives.IsTrue(SessionState?.PSVariable?.GetValue("WhatIfPreference"));
            }
            catch (Exception ex) when (ex is NullReferenceException or InvalidOperationException or NotSupportedException)
            {
                return false;
            }
        }
    }

    string ICmdletContext.CurrentDirectory
    {
        get
        {
            try
            {
                var path = SessionState?.Path?.CurrentFileSystemLocation?.ProviderPath;
                if (!string.IsNullOrEmpty(path)) return path;
            }
            catch (Exception ex) when (ex is NullReferenceException or InvalidOperationException or NotSupportedException or PSInvalidOperationException)
            {
                // No file-system location (e.g. a custom host); fall back to the process directory.
            }
            return Directory.GetCurrentDirectory();
        }
    }

    ProviderRegistry ICmdletContext.Registry => ModuleServices.Registry;

    CancellationToken ICmdletContext.CancellationToken => _stopping.Token;
}
