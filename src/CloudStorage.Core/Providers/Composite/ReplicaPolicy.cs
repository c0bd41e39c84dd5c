namespace CloudStorage.Core.Providers.Composite;

/// <summary>What counts as a successful write or delete on a replicated provider.</summary>
public enum ReplicaPolicy
{
    /// <summary>Every replica must succeed (the default).</summary>
    All,
    /// <summary>The primary must succeed; failed replicas are reported, and the write stands.</summary>
    Primary,
    /// <summary>A majority of the replicas (more than half, the primary counted among them) must succeed.</summary>
    Quorum,
}
