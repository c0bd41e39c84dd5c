using System.Management.Automation;
using CloudStorage.Core.Addressing;
using CloudStorage.Core.Errors;
using CloudStorage.Core.Model;
using CloudStorage.PowerShell.Completion;
using CloudStorage.PowerShell.Infrastructure;
using CloudStorage.Core.Providers.Local;
using CloudStorage.Core.Sync;
using CloudStorage.Core.Transfer;

namespace CloudStorage.PowerShell.Cmdlets;

/// <summary>
/// <para type="synopsis">Makes a destination prefix match a source prefix, like rclone sync.</para>
/// <para type="description">Copies what is missing or changed, and with -Delete removes what the source no longer has
/// (only after every copy succeeded, and not more than -MaxDelete objects). Writes one SyncAction per key that needed
/// work, then a SyncSummary as the last object. With -WhatIf it goes through the same steps and guards as the real run
/// (-MaxDelete included), writes the planned actions and a summary marked WhatIf, and changes nothing. A source that
/// does not exist is an error; with -Delete an empty source deletes nothing unless -AllowEmptySource is given. Each action is confirmed with ShouldProcess; failed actions are also written as errors.</para>
/// </summary>
[Cmdlet(VerbsData.Sync, "StorageProvider", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(SyncAction), typeof(SyncSummary))]
public sealed class SyncStorageProviderCommand : StorageCmdletBase
{
    /// <summary>The source prefix.</summary>
    [Parameter(Mandatory = true, Position = 0)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(AddressArgumentCompleter))]
    public string Source { get; set; } = "";

    /// <summary>The destination prefix.</summary>
    [Parameter(Mandatory = true, Position = 1)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(AddressArgumentCompleter))]
    public string Destination { get; set; } = "";

    /// <summary>Delete destination objects the source does not have.</summary>
    [Parameter]
    public SwitchParameter Delete { get; set; }

    /// <summary>Compare content hashes even when that means reading the content.</summary>
    [Parameter]
    public SwitchParameter Checksum { get; set; }

    /// <summary>Delete nothing when more than this many deletions are planned.</summary>
    [Parameter]
    [ValidateRange(0, int.MaxValue)]
    public int? MaxDelete { get; set; }

    /// <summary>With -Delete, let a source that has no objects empty the destination (refused without this switch).</summary>
    [Parameter]
    public SwitchParameter AllowEmptySource { get; set; }

    /// <summary>What to do with metadata the destination cannot hold: Fail (default), Exclude, or Rename (AzCopy's RenameIfInvalid).</summary>
    [Parameter]
    public InvalidMetadataHandling InvalidMetadata { get; set; } = InvalidMetadataHandling.Fail;

    /// <summary>Copies in flight at once.</summary>
    [Parameter]
    [ValidateRange(1, 64)]
    public int Parallelism { get; set; } = 4;

    /// <inheritdoc />
    protected override void ProcessRecordCore()
    {
        var source = ResolveOrTerminate(Source);
        // A local destination folder is written through a provider confined to it: a source key that would land
        // outside the folder fails as that action (InvalidKey), and the rest continue.
        StorageLocation destination;
        try { destination = LocalFolderProvider.Confine(ResolveOrTerminate(Destination)); }
        catch (StorageException ex) { throw new TerminatingErrorException(ErrorRecords.From(ex, Destination)); }
        var options = new SyncOptions
        {
            Delete = Delete.IsPresent, Checksum = Checksum.IsPresent, MaxDelete = MaxDelete, Parallelism = Parallelism,
            AllowEmptySource = AllowEmptySource.IsPresent, InvalidMetadata = InvalidMetadata,
        };
        var engine = new SyncEngine(new TransferEngine(new TransferOptions { Parallelism = Parallelism }));

        RunAsync(async (context, ct) =>
        {
            try
            {
                // -WhatIf runs the same steps and guards without changing anything (SyncOptions.DryRun).
                var summary = await engine.RunAsync(source, destination, options with { DryRun = context.WhatIfRequested },
                    new Observer(this, context, destination).Begin(), ct).ConfigureAwait(false);
                context.WriteObject(summary);
            }
            catch (StorageException ex) when (ex.Kind == StorageErrorKind.InvalidArgument)
            {
                throw new TerminatingErrorException(ErrorRecords.From(ex, Destination));
            }
            catch (Exception ex) when (ErrorRecords.IsItemFailure(ex))
            {
                WriteFailure(context, ex, Source);
            }
        });
    }

    private StorageLocation ResolveOrTerminate(string address)
    {
        try { return Resolve(Context, SessionAddress(address)); }
        catch (StorageException ex) { throw new TerminatingErrorException(ErrorRecords.From(ex, address)); }
    }

    internal static string Describe(SyncAction action) => action.Action switch
    {
        SyncActionKind.Copy => $"Copy from '{action.SourceUri}' ({action.Reason})",
        SyncActionKind.Update => $"Replace with '{action.SourceUri}' ({action.Reason})",
        SyncActionKind.Delete => $"Delete ({action.Reason})",
        _ => action.Reason,
    };

    /// <summary>Routes the engine's questions and results through the cmdlet context.</summary>
    private sealed class Observer(SyncStorageProviderCommand cmdlet, ICmdletContext context, StorageLocation destination) : ISyncObserver
    {
        // One bar per object in flight (by destination key), under the command's overall bar.
        private readonly System.Collections.Concurrent.ConcurrentDictionary<string, TransferProgressBoard.ObjectProgress> _inFlight = new(StringComparer.Ordinal);
        private readonly TransferProgressBoard _board = cmdlet.Board("Syncing");
        private TransferProgressBoard.Plan? _plan;

        // Begun with the run, completed by the engine once planning ends: the overall bar then shows totals.
        public Observer Begin()
        {
            _plan = _board.BeginPlan();
            return this;
        }

        public void OnPlanComplete(int copies, long bytes)
        {
            _plan?.Add(copies, bytes);
            _plan?.Complete(context);
        }

        // A listing that failed part-way: the run still ends with its summary; this is the error that says why.
        public void OnPlanFailed(StorageException error) => WriteFailure(context, error, error.Target ?? cmdlet.Source);

        public bool ShouldProcess(SyncAction planned) => context.ShouldProcess(planned.Uri, Describe(planned));

        public void OnAction(SyncAction result)
        {
            if (result.Status == SyncActionStatus.Planned) context.ShouldProcess(result.Uri, Describe(result)); // prints "What if: ..."
            else if (result.Action is SyncActionKind.Copy or SyncActionKind.Update && result.Status != SyncActionStatus.NotPerformed)
            {
                if (_inFlight.TryRemove(KeyUnder(result.Key), out var progress)) progress.Dispose();
                else _board.Start(context, result.Uri, result.Size).Dispose(); // counted, though it reported no bytes
            }
            context.WriteObject(result);
            if (result.Status == SyncActionStatus.Failed)
            {
                var ex = new StorageException(result.ErrorKind ?? StorageErrorKind.Unknown, $"{result.Action} of '{result.Key}' failed: {result.Error}", result.Uri);
                context.WriteError(new StorageErrorRecord(ex, "StorageSyncActionFailed", ErrorCategory.WriteError, result.Uri));
            }
            else if (result.Status == SyncActionStatus.NotPerformed && result.Error is not null)
            {
                context.WriteWarning($"{result.Action} of '{result.Key}' {result.Error}");
            }
        }

        public void OnProgress(TransferProgress progress) =>
            _inFlight.GetOrAdd(KeyUnder(progress.Key), key => _board.Start(context, new StorageLocation(destination.Provider, key).Uri, progress.TotalBytes))
                .Report(progress);

        // Progress keys are the destination's keys; the bar shows the object's full address.
        private string KeyUnder(string key) => key.StartsWith(destination.Key, StringComparison.Ordinal) ? key : destination.AsPrefix + key;
    }
}
