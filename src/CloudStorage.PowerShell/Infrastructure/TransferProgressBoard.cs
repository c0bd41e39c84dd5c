using System.Diagnostics;
using CloudStorage.Core.Model;

namespace CloudStorage.PowerShell.Infrastructure;

/// <summary>
/// The progress of a cmdlet that moves many objects: one overall bar (objects and bytes done, of the totals when
/// they are known) and, under it, one child bar per large object labelled with the object's address. Reports arrive
/// from the transfer threads; records are written through the (marshalling) context, the overall bar at most a few
/// times a second, and every child bar ends with a Completed record. One board serves all the pipeline input of a
/// command; each object reports through the context of the call that moves it.
/// </summary>
internal sealed class TransferProgressBoard(int activityId, string activity, string verb)
{
    /// <summary>Objects at least this large get a bar of their own.</summary>
    public const long LargeObjectBytes = 1L << 20;

    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(200);
    private readonly object _gate = new();
    private readonly Stopwatch _sinceWrite = Stopwatch.StartNew();
    private long _objectsDone, _bytesDone, _bytesInFlight;
    private int _nextChild;
    private bool _written;

    private void WriteChild(ICmdletContext context, StorageProgressRecord record) => context.WriteProgress(record with { ParentActivityId = activityId });

    // Totals are counted while the work is found (a listing, a folder walk, a sync plan) and shown once every plan
    // that was begun is complete: nothing is buffered, so a long listing shows counts first and totals when it ends.
    private long _plannedObjects, _plannedBytes;
    private int _openPlans;
    private bool _totalsUnknown;

    /// <summary>How many objects the command will move, once known.</summary>
    public long? TotalObjects { get { lock (_gate) return TotalsKnown ? _plannedObjects : null; } }

    /// <summary>How many bytes the command will move, once known.</summary>
    public long? TotalBytes { get { lock (_gate) return TotalsKnown ? _plannedBytes : null; } }

    private bool TotalsKnown => _openPlans == 0 && !_totalsUnknown && _plannedObjects > 0;

    /// <summary>
    /// Starts counting the work of one input: add each object as it is found, complete the plan when the last one is
    /// found. A plan disposed without completion (a failed listing) leaves the totals unknown.
    /// </summary>
    public Plan BeginPlan()
    {
        lock (_gate) _openPlans++;
        return new Plan(this);
    }

    /// <summary>True once any record was written (the cmdlet then closes the overall bar at the end).</summary>
    public bool Written { get { lock (_gate) return _written; } }

    /// <summary>The progress sink for one object's transfer; dispose it when the object is done (or failed).</summary>
    public ObjectProgress Start(ICmdletContext context, string address, long? size)
    {
        int? child = size >= LargeObjectBytes ? (activityId % 0x7ff00000) + 1 + (Interlocked.Increment(ref _nextChild) % 100_000) : null;
        if (!Written) Advance(context, 0, force: true); // the overall bar appears before its first child
        return new ObjectProgress(this, context, address, size, child);
    }

    private void Advance(ICmdletContext context, long delta, bool force)
    {
        StorageProgressRecord record;
        lock (_gate)
        {
            _bytesInFlight += delta;
            if (!force && _sinceWrite.Elapsed < Interval) return;
            _sinceWrite.Restart();
            _written = true;
            var bytes = _bytesDone + _bytesInFlight;
            long? totalObjects = TotalsKnown ? _plannedObjects : null, totalBytes = TotalsKnown ? _plannedBytes : null;
            var objects = totalObjects is { } total ? $"{_objectsDone:N0} of {total:N0} objects" : $"{_objectsDone:N0} objects";
            var volume = totalBytes is { } allBytes ? $"{Bytes(bytes)} of {Bytes(allBytes)}" : Bytes(bytes);
            var percent = totalBytes is > 0 ? (int)Math.Min(100, bytes * 100 / totalBytes.Value)
                : totalObjects is > 0 ? (int)Math.Min(100, _objectsDone * 100 / totalObjects.Value) : -1;
            record = new StorageProgressRecord(activityId, activity, $"{verb}: {objects}, {volume}", percent);
        }
        context.WriteProgress(record);
    }

    private void Finish(ICmdletContext context, long transferred, long? size)
    {
        lock (_gate)
        {
            _objectsDone++;
            _bytesInFlight -= transferred;
            _bytesDone += size ?? transferred;
        }
        Advance(context, 0, force: true);
    }

    private void Planned(long? size, long count = 1)
    {
        lock (_gate)
        {
            _plannedObjects += count;
            if (size is { } known) _plannedBytes += known;
            else _totalsUnknown = true; // an object of unknown size: a byte total would lie
        }
    }

    private void EndPlan(ICmdletContext? context, bool complete)
    {
        bool show;
        lock (_gate)
        {
            _openPlans--;
            if (!complete) _totalsUnknown = true;
            show = _written && TotalsKnown;
        }
        if (show && context is not null) Advance(context, 0, force: true); // the totals appear now, not at the next object
    }

    /// <summary>The counting of one input's work (see <see cref="BeginPlan"/>).</summary>
    internal sealed class Plan(TransferProgressBoard board) : IDisposable
    {
        private bool _ended;

        /// <summary>One more object to move (its size when known).</summary>
        public void Add(long? size) => board.Planned(size);

        /// <summary>Several objects at once (a sync's plan: its copy count and bytes).</summary>
        public void Add(long objects, long bytes) => board.Planned(bytes, objects);

        /// <summary>Every object was found: the totals may show (through <paramref name="context"/>, when given).</summary>
        public void Complete(ICmdletContext? context)
        {
            if (_ended) return;
            _ended = true;
            board.EndPlan(context, complete: true);
        }

        /// <summary>Ends an incomplete plan (the listing failed or was stopped): the totals stay unknown.</summary>
        public void Dispose()
        {
            if (_ended) return;
            _ended = true;
            board.EndPlan(null, complete: false);
        }
    }

    internal static string Bytes(long bytes) => bytes switch
    {
        >= 1L << 30 => $"{bytes / (double)(1L << 30):0.0} GB",
        >= 1L << 20 => $"{bytes / (double)(1L << 20):0.0} MB",
        >= 1L << 10 => $"{bytes / (double)(1L << 10):0.0} KB",
        _ => $"{bytes:N0} bytes",
    };

    /// <summary>One object's transfer: feeds the overall bar and, for a large object, its own bar.</summary>
    internal sealed class ObjectProgress(TransferProgressBoard board, ICmdletContext context, string address, long? size, int? childId) : IProgress<TransferProgress>, IDisposable
    {
        private long _reported;
        private int _lastPercent = -2;
        private bool _done;

        public void Report(TransferProgress value)
        {
            long delta;
            lock (this)
            {
                if (_done) return;
                delta = value.BytesTransferred - _reported;
                _reported = value.BytesTransferred;
            }
            board.Advance(context, delta, force: false);
            if (childId is not { } id) return;
            var percent = value.PercentComplete;
            lock (this)
            {
                if (percent == _lastPercent) return;
                _lastPercent = percent;
            }
            var total = value.TotalBytes ?? size;
            board.WriteChild(context, new StorageProgressRecord(id, address,
                total is { } t ? $"{Bytes(value.BytesTransferred)} of {Bytes(t)}" : Bytes(value.BytesTransferred), percent));
        }

        public void Dispose()
        {
            long reported;
            lock (this)
            {
                if (_done) return;
                _done = true;
                reported = _reported;
            }
            if (childId is { } id)
                board.WriteChild(context, new StorageProgressRecord(id, address, "Completed", 100, Completed: true));
            board.Finish(context, reported, size);
        }
    }
}
