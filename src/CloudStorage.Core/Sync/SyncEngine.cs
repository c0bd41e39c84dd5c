using System.Diagnostics;
using System.Runtime.CompilerServices;
using CloudStorage.Core.Addressing;
using CloudStorage.Core.Errors;
using CloudStorage.Core.Model;
using CloudStorage.Core.Providers;
using CloudStorage.Core.Transfer;

namespace CloudStorage.Core.Sync;

/// <summary>
/// Makes a destination match a source: copies what is missing or changed (several at once), then, only when
/// every copy succeeded and the max-delete guard allows it, deletes what the source no longer has.
/// </summary>
internal sealed class SyncEngine
{
    private readonly TransferEngine _transfer;
    private readonly SyncPlanner _planner = new();

    /// <summary>A sync engine copying through <paramref name="transfer"/>.</summary>
    public SyncEngine(TransferEngine transfer) => _transfer = transfer;

    /// <summary>
    /// The plan without side effects (for -WhatIf): every Copy, Update and Delete action in the order the run reports
    /// them, through the very steps and guards of <see cref="RunAsync"/> (a delete -MaxDelete would refuse is NotPerformed).
    /// </summary>
    public async IAsyncEnumerable<SyncAction> PlanAsync(StorageLocation source, StorageLocation destination, SyncOptions options,
        [EnumeratorCancellation] CancellationToken ct = default)
    {
        var recorder = new Recorder();
        await RunAsync(source, destination, options with { DryRun = true }, recorder, ct).ConfigureAwait(false);
        foreach (var action in recorder.Actions) yield return action;
    }

    /// <summary>
    /// Runs the sync; the observer hears each Copy/Update/Delete action once, with its final status. With
    /// <see cref="SyncOptions.DryRun"/> nothing changes and each action is reported Planned; the summary is marked WhatIf.
    /// </summary>
    public async Task<SyncSummary> RunAsync(StorageLocation source, StorageLocation destination, SyncOptions options, ISyncObserver observer,
        CancellationToken ct = default)
    {
        Validate(source, destination, options);
        await EnsureTreeAsync(source, ct).ConfigureAwait(false);
        await EnsureSourceAsync(source, destination, options, ct).ConfigureAwait(false);
        var clock = Stopwatch.StartNew();
        var gate = new object();
        int copied = 0, updated = 0, unchanged = 0, failed = 0, notPerformed = 0, deleted = 0;
        long bytes = 0;
        var pendingDeletes = new List<SyncAction>();
        int plannedCopies = 0;
        long plannedBytes = 0;
        using var copies = new BoundedWorkQueue(options.Parallelism, ct);
        var progress = new Progress(observer, gate);

        void Report(SyncAction result)
        {
            lock (gate)
            {
                switch (result.Status)
                {
                    case SyncActionStatus.Failed: failed++; break;
                    case SyncActionStatus.NotPerformed: notPerformed++; break;
                    case SyncActionStatus.Completed when result.Action == SyncActionKind.Copy: copied++; bytes += result.Size; break;
                    case SyncActionStatus.Completed when result.Action == SyncActionKind.Update: updated++; bytes += result.Size; break;
                    case SyncActionStatus.Completed or SyncActionStatus.Planned when result.Action == SyncActionKind.Delete: deleted++; break;
                    case SyncActionStatus.Planned when result.Action == SyncActionKind.Copy: copied++; bytes += result.Size; break;
                    case SyncActionStatus.Planned when result.Action == SyncActionKind.Update: updated++; bytes += result.Size; break;
                }
                observer.OnAction(result);
            }
        }

        bool Ask(SyncAction action) { lock (gate) return options.DryRun || observer.ShouldProcess(action); }

        // A listing that fails part-way (after the provider's retries) ends the planning, not the run: the copies already
        // under way finish, nothing is deleted (the plan is incomplete), and the summary still comes back, carrying the error.
        StorageException? planError = null;
        await using var plan = _planner.PlanAsync(source, destination, options, ct).GetAsyncEnumerator(ct);
        while (true)
        {
            try
            {
                if (!await plan.MoveNextAsync().ConfigureAwait(false)) break;
            }
            catch (StorageException ex) when (!ct.IsCancellationRequested)
            {
                planError = ex;
                break;
            }
            var action = plan.Current;
            switch (action.Action)
            {
                case SyncActionKind.Skip:
                    unchanged++;
                    continue;
                case SyncActionKind.Delete:
                    pendingDeletes.Add(action);
                    continue;
            }
            if (!Ask(action))
            {
                Report(action with { Status = SyncActionStatus.NotPerformed });
                continue;
            }
            if (options.DryRun)
            {
                Report(action);
                continue;
            }
            plannedCopies++;
            plannedBytes += action.Size;
            await copies.EnqueueAsync(async () =>
            {
                try
                {
                    await _transfer.CopyAsync(source.Child(action.Key), destination.Child(action.Key),
                        new CopyRequest { Overwrite = true, InvalidMetadata = options.InvalidMetadata }, progress, ct).ConfigureAwait(false);
                    Report(action with { Status = SyncActionStatus.Completed });
                }
                catch (Exception ex) when (ex is StorageException or IOException or UnauthorizedAccessException)
                {
                    Report(action with { Status = SyncActionStatus.Failed, Error = ex.Message, ErrorKind = (ex as StorageException)?.Kind });
                }
            }).ConfigureAwait(false);
        }
        if (!options.DryRun) lock (gate) observer.OnPlanComplete(plannedCopies, plannedBytes);
        await copies.DrainAsync().ConfigureAwait(false);
        ct.ThrowIfCancellationRequested();

        string? holdBack = null;
        if (planError is not null)
        {
            failed++;
            lock (gate) observer.OnPlanFailed(planError);
            if (pendingDeletes.Count > 0) holdBack = $"not deleted: the sync stopped planning ({planError.Message}), and sync deletes only after a complete plan";
        }
        else if (pendingDeletes.Count > 0 && failed > 0)
            holdBack = $"not deleted: {failed} cop{(failed == 1 ? "y" : "ies")} failed, and sync deletes only after every copy succeeded";
        else if (options.MaxDelete is { } max && pendingDeletes.Count > max)
            holdBack = $"not deleted: {pendingDeletes.Count} deletions planned, more than -MaxDelete {max}";

        // Batched where the destination deletes many keys per request (S3's DeleteObjects), else one by one.
        using (var deletes = new DeleteBatcher<SyncAction>(destination.Provider, options.Parallelism, (_, action, error) =>
                   Report(error is null ? action with { Status = SyncActionStatus.Completed } : action with { Status = SyncActionStatus.Failed, Error = error.Message }),
                   ct))
        {
            foreach (var action in pendingDeletes)
            {
                ct.ThrowIfCancellationRequested();
                if (holdBack is not null) { Report(action with { Status = SyncActionStatus.NotPerformed, Error = holdBack }); continue; }
                if (!Ask(action)) { Report(action with { Status = SyncActionStatus.NotPerformed }); continue; }
                var target = destination.Child(action.Key);
                if (target.IsPrefixOnly)
                {
                    Report(action with { Status = SyncActionStatus.Failed, Error = $"'{target.Uri}' names a prefix, not an object." });
                    continue;
                }
                if (options.DryRun) { Report(action); continue; }
                await deletes.AddAsync(target.Key, action).ConfigureAwait(false);
            }
            await deletes.CompleteAsync().ConfigureAwait(false);
        }

        return new SyncSummary
        {
            Source = source.Uri, Destination = destination.Uri,
            Copied = copied, Updated = updated, Deleted = deleted, Unchanged = unchanged,
            Failed = failed, NotPerformed = notPerformed, BytesTransferred = bytes, Duration = clock.Elapsed, WhatIf = options.DryRun,
            Error = planError?.Message,
        };
    }

    private static void Validate(StorageLocation source, StorageLocation destination, SyncOptions options)
    {
        if (options.MaxDelete is < 0)
            throw new StorageException(StorageErrorKind.InvalidArgument, "-MaxDelete must not be negative.", destination.Uri);
        if (options.Parallelism is < 1 or > 64)
            throw new StorageException(StorageErrorKind.InvalidArgument, "-Parallelism must be between 1 and 64.", destination.Uri);
        // Syncing a tree into itself or into its own subtree would chase its own copies.
        var (sp, sk) = ProviderAbilities.Unwrap(source);
        var (dp, dk) = ProviderAbilities.Unwrap(destination);
        if (ReferenceEquals(sp, dp))
        {
            var a = AsPrefix(sk);
            var b = AsPrefix(dk);
            if (a.StartsWith(b, StringComparison.Ordinal) || b.StartsWith(a, StringComparison.Ordinal))
                throw new StorageException(StorageErrorKind.InvalidArgument,
                    $"'{source.Uri}' and '{destination.Uri}' overlap; sync needs two separate trees.", destination.Uri);
        }
    }

    // Sync works on trees; a source naming one object would otherwise silently sync nothing.
    private static async Task EnsureTreeAsync(StorageLocation source, CancellationToken ct)
    {
        if (!source.IsPrefixOnly && await source.Provider.StatAsync(source.Key, ct).ConfigureAwait(false) is not null)
            throw new StorageException(StorageErrorKind.InvalidArgument,
                $"'{source.Uri}' is an object; sync compares trees. Use Copy-StorageObject for one object, or end the address with '/'.", source.Uri);
    }

    // A source that does not exist is an error, never an empty listing; and an empty one with -Delete would empty the
    // destination, which only an explicit AllowEmptySource may do. Both are found before anything is planned.
    private static async Task EnsureSourceAsync(StorageLocation source, StorageLocation destination, SyncOptions options, CancellationToken ct)
    {
        if (source.Provider.Capabilities.ExistenceProbe is { } probe
            && !await probe.PrefixExistsAsync(source.IsPrefixOnly ? source.Key : source.Key + "/", ct).ConfigureAwait(false))
            throw new StorageException(StorageErrorKind.NotFound,
                $"The sync source '{source.Uri}' does not exist; nothing was planned.", source.Uri, source.Provider.Name);
        // A missing bucket or container fails this listing with NotFound.
        var any = false;
        await foreach (var _ in source.Provider.ListAsync(new ListRequest { Prefix = source.AsPrefix, PageSize = 1 }, ct).ConfigureAwait(false))
        {
            any = true;
            break;
        }
        if (!any && options.Delete && !options.AllowEmptySource)
            throw new StorageException(StorageErrorKind.InvalidArgument,
                $"The sync source '{source.Uri}' has no objects, so -Delete would delete everything under '{destination.Uri}'; nothing was done. " +
                "Pass -AllowEmptySource if that is what you want.", source.Uri, source.Provider.Name);
    }

    /// <summary>Keeps a dry run's actions for <see cref="PlanAsync"/>.</summary>
    private sealed class Recorder : ISyncObserver
    {
        public List<SyncAction> Actions { get; } = [];
        public bool ShouldProcess(SyncAction planned) => true;
        public void OnAction(SyncAction result) => Actions.Add(result);
        public void OnProgress(TransferProgress progress) { }
    }

    private static string AsPrefix(string key) => key.Length == 0 || key.EndsWith('/') ? key : key + "/";

    private sealed class Progress(ISyncObserver observer, object gate) : IProgress<TransferProgress>
    {
        public void Report(TransferProgress value) { lock (gate) observer.OnProgress(value); }
    }
}
