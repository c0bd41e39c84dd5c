namespace CloudStorage.Providers.Composite;

/// <summary>A provider composed of others (replicated, routed): its members, for health probes and replica checks.</summary>
internal interface ICompositeProvider
{
    /// <summary>The members, in their configured order (for a replicated provider the primary first).</summary>
    IReadOnlyList<CompositeMember> Members { get; }
}

/// <summary>One member of a composite: its role (<c>Primary</c>, <c>Replica</c>, <c>Route *.jpg</c>), provider and breaker.</summary>
internal sealed record CompositeMember(string Role, IStorageProvider Provider, IReplicaBreaker? Breaker = null);

/// <summary>The breaker used when no factory is registered: never opens, adds nothing.</summary>
internal sealed class PassThroughBreaker : IReplicaBreaker
{
    public static PassThroughBreaker Instance { get; } = new();

    public bool IsOpen => false;

    public Task<T> ExecuteAsync<T>(Func<CancellationToken, Task<T>> call, CancellationToken cancellationToken) => call(cancellationToken);
}
