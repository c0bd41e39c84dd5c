namespace CloudStorage.Core.Providers.Composite;

/// <summary>
/// A circuit breaker guarding one replica of a replicated provider: while open, calls fail at once (a Transient
/// StorageException) instead of waiting for a replica known to be down. It adds no retries: the replica's own provider
/// has the one retry layer. The cloud providers' assembly supplies a Polly breaker (<see cref="IReplicaBreakerFactory"/>).
/// </summary>
public interface IReplicaBreaker
{
    /// <summary>True while calls are refused (the breaker is open).</summary>
    bool IsOpen { get; }

    /// <summary>Runs <paramref name="call"/> through the breaker; transient failures count against the replica.</summary>
    Task<T> ExecuteAsync<T>(Func<CancellationToken, Task<T>> call, CancellationToken cancellationToken);
}

/// <summary>Creates the circuit breaker of each replica.</summary>
public interface IReplicaBreakerFactory
{
    /// <summary>A breaker for the replica at <paramref name="replicaAddress"/>; <paramref name="options"/> are the replicated registration's.</summary>
    IReplicaBreaker Create(string replicaAddress, IReadOnlyDictionary<string, string> options);
}
