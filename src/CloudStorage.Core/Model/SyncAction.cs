namespace CloudStorage.Core.Model;

/// <summary>What sync does (or would do) with one key.</summary>
public enum SyncActionKind
{
    /// <summary>The key is missing at the destination: copy it.</summary>
    Copy,
    /// <summary>The key differs at the destination: copy over it.</summary>
    Update,
    /// <summary>The key exists only at the destination and <c>-Delete</c> was given.</summary>
    Delete,
    /// <summary>The key is the same on both sides.</summary>
    Skip,
}

/// <summary>Where an action stands.</summary>
public enum SyncActionStatus
{
    /// <summary>Planned only (the <c>-WhatIf</c> plan).</summary>
    Planned,
    /// <summary>Carried out.</summary>
    Completed,
    /// <summary>Tried and failed; see <see cref="SyncAction.Error"/>.</summary>
    Failed,
    /// <summary>Not carried out: declined by ShouldProcess, or held back by a guard (failed copies, max-delete).</summary>
    NotPerformed,
}

/// <summary>One action of a sync: the pipeline gets one per key that needed work.</summary>
public sealed record SyncAction
{
    /// <summary>What is done.</summary>
    public required SyncActionKind Action { get; init; }

    /// <summary>The key relative to the source/destination roots.</summary>
    public required string Key { get; init; }

    /// <summary>The destination object's address (the object this action changes).</summary>
    public required string Uri { get; init; }

    /// <summary>The source object's address (null for deletes).</summary>
    public string? SourceUri { get; init; }

    /// <summary>Bytes concerned (the source size for copies, the destination size for deletes).</summary>
    public long Size { get; init; }

    /// <summary>Why: "missing at destination", "size differs", "MD5 differs", "newer at source", ...</summary>
    public string Reason { get; init; } = "";

    /// <summary>Where the action stands.</summary>
    public SyncActionStatus Status { get; init; } = SyncActionStatus.Planned;

    /// <summary>The error message when <see cref="Status"/> is Failed or NotPerformed by a guard.</summary>
    public string? Error { get; init; }

    /// <summary>The kind of the failure when <see cref="Status"/> is Failed (InvalidKey for a key the destination cannot hold).</summary>
    public Errors.StorageErrorKind? ErrorKind { get; init; }

    /// <inheritdoc />
    public override string ToString() => $"{Action} {Key} ({Status})";
}

/// <summary>Totals of a sync run.</summary>
public sealed record SyncSummary
{
    /// <summary>Source address.</summary>
    public required string Source { get; init; }
    /// <summary>Destination address.</summary>
    public required string Destination { get; init; }
    /// <summary>Objects copied because missing.</summary>
    public int Copied { get; init; }
    /// <summary>Objects copied because changed.</summary>
    public int Updated { get; init; }
    /// <summary>Objects deleted at the destination.</summary>
    public int Deleted { get; init; }
    /// <summary>Objects already in sync.</summary>
    public int Unchanged { get; init; }
    /// <summary>Actions that failed.</summary>
    public int Failed { get; init; }
    /// <summary>Actions not performed (WhatIf, declined, guards).</summary>
    public int NotPerformed { get; init; }
    /// <summary>Bytes copied.</summary>
    public long BytesTransferred { get; init; }
    /// <summary>Wall time.</summary>
    public TimeSpan Duration { get; init; }
    /// <summary>True when this was only a plan.</summary>
    public bool WhatIf { get; init; }
    /// <summary>Why the run stopped planning early (a listing that failed part-way), counted in Failed; null when it ran to the end.</summary>
    public string? Error { get; init; }
}
