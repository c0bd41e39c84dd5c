using System.Management.Automation;

namespace CloudStorage.PowerShell.Infrastructure;

/// <summary>A PowerShell-free progress record: one activity id per cmdlet, a final record with <see cref="Completed"/>.</summary>
public sealed record StorageProgressRecord(int ActivityId, string Activity, string Status, int PercentComplete, bool Completed = false)
{
    /// <summary>What is happening right now (the object being transferred), when known.</summary>
    public string? CurrentOperation { get; init; }

    /// <summary>The activity this one is a child of (a large object's bar under the overall bar), or -1.</summary>
    public int ParentActivityId { get; init; } = -1;

    /// <summary>The real progress record (PowerShell rejects empty texts and percentages outside -1..100).</summary>
    public ProgressRecord ToProgressRecord()
    {
        var record = new ProgressRecord(ActivityId, NonEmpty(Activity), NonEmpty(Status))
        {
            PercentComplete = Math.Clamp(PercentComplete, -1, 100),
            RecordType = Completed ? ProgressRecordType.Completed : ProgressRecordType.Processing,
        };
        if (!string.IsNullOrEmpty(CurrentOperation)) record.CurrentOperation = CurrentOperation;
        if (ParentActivityId >= 0) record.ParentActivityId = ParentActivityId;
        return record;
    }

    private static string NonEmpty(string text) => string.IsNullOrEmpty(text) ? " " : text;
}
