using CloudStorage.Core.Model;
using CloudStorage.Core.Transfer;

namespace CloudStorage.Core.Sync;

/// <summary>How to sync a destination to a source.</summary>
internal sealed record SyncOptions
{
    /// <summary>Delete destination objects that are not in the source (only after every copy succeeded).</summary>
    public bool Delete { get; init; }

    /// <summary>Compare by hash even when it costs reading the content; without a common hash, size only.</summary>
    public bool Checksum { get; init; }

    /// <summary>Refuse to delete anything when more than this many deletions are planned.</summary>
    public int? MaxDelete { get; init; }

    /// <summary>
    /// With <see cref="Delete"/>, let a source with no objects empty the destination. Without it such a sync fails before
    /// planning (a mistyped or emptied source must not wipe a destination).
    /// </summary>
    public bool AllowEmptySource { get; init; }

    /// <summary>What to do with metadata the destination cannot hold (fail the object by default).</summary>
    public InvalidMetadataHandling InvalidMetadata { get; init; } = InvalidMetadataHandling.Fail;

    /// <summary>
    /// Plan only (-WhatIf): the run goes through the same steps and guards (-MaxDelete included) and reports each
    /// action as Planned (or NotPerformed by a guard), but copies and deletes nothing and asks nothing.
    /// </summary>
    public bool DryRun { get; init; }

    /// <summary>Copies in flight at once.</summary>
    public int Parallelism { get; init; } = 4;
}

/// <summary>Receives a sync's decisions and results; calls may come from several threads but never at the same time.</summary>
internal interface ISyncObserver
{
    /// <summary>Asked before each action is carried out; false skips it (PowerShell's ShouldProcess).</summary>
    bool ShouldProcess(SyncAction planned);

    /// <summary>Told once per Copy/Update/Delete action with its final status.</summary>
    void OnAction(SyncAction result);

    /// <summary>Byte progress of the copy in flight.</summary>
    void OnProgress(TransferProgress progress);

    /// <summary>
    /// Told once, when the plan is complete (copies may still be in flight): how many objects and bytes the run copies,
    /// so progress can show totals without the plan being held in memory. Not called for a dry run.
    /// </summary>
    void OnPlanComplete(int copies, long bytes) { }

    /// <summary>
    /// Told once when a listing fails part-way (after the provider's retries): planning stops, the copies under way
    /// finish, nothing is deleted, and the run still returns its summary (with <see cref="Model.SyncSummary.Error"/>).
    /// </summary>
    void OnPlanFailed(Errors.StorageException error) { }
}
