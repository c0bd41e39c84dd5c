namespace CloudStorage.Providers.Tests.Support;

/// <summary>A clock whose timers fire at once: retry delays are recorded, never waited for.</summary>
public sealed class InstantTimeProvider : TimeProvider
{
    private readonly List<TimeSpan> _delays = [];

    /// <summary>Every delay that was asked for, in order.</summary>
    public IReadOnlyList<TimeSpan> Delays
    {
        get { lock (_delays) return _delays.ToList(); }
    }

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        if (dueTime != Timeout.InfiniteTimeSpan)
        {
            lock (_delays) _delays.Add(dueTime);
            ThreadPool.QueueUserWorkItem(_ => callback(state));
        }
        return new NoTimer();
    }

    private sealed class NoTimer : ITimer
    {
        public bool Change(TimeSpan dueTime, TimeSpan period) => true;
        public void Dispose() { }
        public ValueTask DisposeAsync() => default;
    }
}
