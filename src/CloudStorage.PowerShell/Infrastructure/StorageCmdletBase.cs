using System.Management.Automation;
using CloudStorage.Core.Addressing;
using CloudStorage.Core.Errors;
using CloudStorage.Core.Model;

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

    // --- helpers for cmdlets ---

    /// <summary>Runs async work off the pipeline thread; its context calls come back here. Exceptions propagate.</summary>
    protected void RunAsync(Func<ICmdletContext, CancellationToken, Task> work) => AsyncPump.Run(Context, async (context, ct) =>
    {
        // Retries of the engine's work show on this cmdlet's -Verbose stream (one line each); each replica of a replicated
        // write is reported: a failed one as a non-terminating error naming the replica, even when the write stands.
        using (Core.Errors.RetryLog.Use(context.WriteVerbose))
        using (Core.Providers.Composite.ReplicationLog.Use(outcome => ReportReplica(context, outcome)))
            await work(context, ct).ConfigureAwait(false);
    }, _stopping.Token);

    private static void ReportReplica(ICmdletContext context, Core.Providers.Composite.ReplicaOutcome outcome)
    {
        if (outcome.Succeeded)
        {
            context.WriteVerbose($"Replica '{outcome.ReplicaUri}' of '{outcome.Uri}': {outcome.Method}.");
            return;
        }
        var error = outcome.Error!;
        var replicaError = new StorageException(error.Kind,
            $"Replica '{outcome.ReplicaUri}' of '{outcome.Uri}' was not updated ({outcome.Method}): {error.Message} "
            + "The operation stands under its replica policy; bring the replica back in line with Sync-StorageProvider (see about_CloudStorage, Repair).",
            outcome.ReplicaUri, error.Provider, error, error.IsTransient);
        context.WriteError(new StorageErrorRecord(replicaError, "StorageReplicaFailed", ErrorRecords.CategoryOf(error.Kind), outcome.ReplicaUri));
    }

    /// <summary>Resolves an address against the context's registry and current directory.</summary>
    private protected static StorageLocation Resolve(ICmdletContext context, string address) =>
        context.Registry.Resolve(address, context.CurrentDirectory);

    /// <summary>
    /// Resolves an address that must name something that exists: a local path that is neither a file nor a folder is
    /// a NotFound error (as with Get-ChildItem), not an empty listing. Stores keep their own rules (a prefix with
    /// nothing under it is empty).
    /// </summary>
    private protected static StorageLocation ResolveExisting(ICmdletContext context, string address)
    {
        if (SessionPaths.IsMissingLocalPath(address, context.CurrentDirectory))
            throw SessionPaths.NotFound(Destinations.LocalPathOf(context, address) ?? address);
        return Resolve(context, address);
    }

    /// <summary>
    /// What a typed address means in this session: local paths through the session's provider (<c>~</c>, PSDrives,
    /// the current location), anything else unchanged. Call on the pipeline thread, before <see cref="RunAsync"/>.
    /// Outside a PowerShell session (a test's recording context) the address is returned as given.
    /// </summary>
    protected string SessionAddress(string address)
    {
        if (!ReferenceEquals(Context, this)) return address;
        try
        {
            return SessionState is { } session ? SessionPaths.ToEngineAddress(session, Context.Registry, address) : address;
        }
        catch (Exception ex) when (ex is NullReferenceException or InvalidOperationException or NotSupportedException or PSInvalidOperationException)
        {
            return address;
        }
    }

    /// <summary><see cref="SessionAddress(string)"/> for each address.</summary>
    protected string[] SessionAddresses(string[] addresses) => Array.ConvertAll(addresses, SessionAddress);

    /// <summary>Writes a per-item failure as a non-terminating error.</summary>
    protected static void WriteFailure(ICmdletContext context, Exception ex, object? target) =>
        context.WriteError(ErrorRecords.From(ex, target));

    private TransferProgressBoard? _board;

    /// <summary>
    /// The overall progress of this command (objects and bytes) with a child bar per large object; one per command,
    /// so all pipeline input adds up. <paramref name="verb"/> starts its status ("Copying: 3 objects, 12.0 MB").
    /// </summary>
    internal TransferProgressBoard Board(string verb)
    {
        _progressWritten = true; // the overall bar is closed in EndProcessing
        return _board ??= new TransferProgressBoard(ActivityId, ActivityName, verb);
    }

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

    void ICmdletContext.WriteObject(object? value) => WriteObject(value is FileInfo file ? AsProviderItem(file) : value, enumerateCollection: false);

    // A downloaded file as Get-Item would write it: with PSPath, PSParentPath and, on Linux and macOS, the UnixStat
    // the file-system views read (mode, user, group, size), so it displays and pipes like Get-ChildItem output.
    private object AsProviderItem(FileInfo file)
    {
        try
        {
            var items = InvokeProvider.Item.Get([file.FullName], force: true, literalPath: true);
            if (items.Count == 1) return items[0];
        }
        catch (Exception ex) when (ex is not OutOfMemoryException and not PipelineStoppedException)
        {
            // Not in a session with a file-system provider: the plain FileInfo.
        }
        return file;
    }
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
