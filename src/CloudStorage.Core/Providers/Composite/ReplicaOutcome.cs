using CloudStorage.Core.Errors;

namespace CloudStorage.Core.Providers.Composite;

/// <summary>How a replica received a write.</summary>
internal enum ReplicaWriteMethod
{
    /// <summary>Written from the caller's stream (the primary, and replicas fed the same bytes as it).</summary>
    Streamed,
    /// <summary>Copied server-side from the primary.</summary>
    ServerSideCopy,
    /// <summary>Deleted.</summary>
    Delete,
    /// <summary>Not attempted (the primary failed first, or the replica's circuit breaker is open).</summary>
    NotAttempted,
}

/// <summary>What one replica of a replicated provider did with one write or delete.</summary>
internal sealed record ReplicaOutcome
{
    /// <summary>The object's address on the replicated provider (<c>media:photos/a.jpg</c>).</summary>
    public required string Uri { get; init; }

    /// <summary>The object's address on this replica (<c>az://acct/media/photos/a.jpg</c>).</summary>
    public required string ReplicaUri { get; init; }

    /// <summary>True for the primary (the first replica).</summary>
    public bool IsPrimary { get; init; }

    /// <summary>How the replica was written (or deleted).</summary>
    public ReplicaWriteMethod Method { get; init; }

    /// <summary>The failure, or null when the replica holds the write.</summary>
    public StorageException? Error { get; init; }

    /// <summary>True when the replica holds the write.</summary>
    public bool Succeeded => Error is null;

    /// <inheritdoc />
    public override string ToString() => Succeeded ? $"{ReplicaUri}: {Method}" : $"{ReplicaUri}: failed ({Error!.Kind}: {Error.Message})";
}

/// <summary>
/// Where the per-replica outcomes of the writes and deletes running on the current async flow go (as
/// <see cref="RetryLog"/> does for retries): a cmdlet points it at its error and verbose streams for the duration of its
/// engine call, so a replica that failed is reported with its address even when the write as a whole succeeded under its
/// <see cref="ReplicaPolicy"/>. Without a sink, outcomes are dropped (failures that break the policy still throw).
/// </summary>
internal static class ReplicationLog
{
    private static readonly AsyncLocal<Action<ReplicaOutcome>?> Sink = new();

    /// <summary>Sends the replica outcomes of this async flow to <paramref name="sink"/> until the returned scope is disposed.</summary>
    public static IDisposable Use(Action<ReplicaOutcome> sink)
    {
        ArgumentNullException.ThrowIfNull(sink);
        var previous = Sink.Value;
        Sink.Value = sink;
        return new Scope(previous);
    }

    /// <summary>Reports one outcome to the current sink, if any (a failing sink never fails the operation).</summary>
    public static void Write(ReplicaOutcome outcome)
    {
        if (Sink.Value is not { } sink) return;
        try
        {
            sink(outcome);
        }
        catch (Exception)
        {
            // Reporting must not turn a write into a failure.
        }
    }

    private sealed class Scope(Action<ReplicaOutcome>? previous) : IDisposable
    {
        public void Dispose() => Sink.Value = previous;
    }
}
