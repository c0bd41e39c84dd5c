namespace CloudStorage.Core.Health;

/// <summary>The verdict of one health check.</summary>
public enum HealthStatus
{
    /// <summary>The check passed.</summary>
    Healthy,
    /// <summary>The check failed; see <see cref="StorageHealthCheck.Message"/> and <see cref="StorageHealthCheck.ErrorKind"/>.</summary>
    Failed,
    /// <summary>Not run: an earlier check failed, or the probe was read-only.</summary>
    Skipped,
}

/// <summary>One check of a store's health (Test-StorageHealth writes one per check, per replica or route).</summary>
public sealed record StorageHealthCheck
{
    /// <summary>The address that was probed (<c>media:</c>).</summary>
    public required string Uri { get; init; }

    /// <summary>The store this check concerns: the address itself, or a replica's or route's root (<c>az://acct/media/</c>).</summary>
    public required string Target { get; init; }

    /// <summary>The store's role: <c>Store</c>, <c>Primary</c>, <c>Replica</c>, or <c>Route *.jpg</c>.</summary>
    public string Role { get; init; } = "Store";

    /// <summary>What was checked: Reachable, Credentials, List, Write, Read, Delete, or Breaker.</summary>
    public required string Check { get; init; }

    /// <summary>The verdict.</summary>
    public required HealthStatus Status { get; init; }

    /// <summary>How long the check's call took (zero for derived and skipped checks).</summary>
    public TimeSpan Latency { get; init; }

    /// <summary>The kind of the failure, when the check failed.</summary>
    public Errors.StorageErrorKind? ErrorKind { get; init; }

    /// <summary>What happened, in words.</summary>
    public string Message { get; init; } = "";

    /// <summary>When the check ran.</summary>
    public DateTimeOffset Timestamp { get; init; } = DateTimeOffset.UtcNow;

    /// <summary>True when <see cref="Status"/> is Healthy.</summary>
    public bool IsHealthy => Status == HealthStatus.Healthy;

    /// <inheritdoc />
    public override string ToString() => $"{Target} {Check}: {Status}";
}
