using CloudStorage.Core.Providers;
using CloudStorage.Core.Providers.Composite;
using CloudStorage.Core.Providers.Local;
using CloudStorage.Core.Providers.Memory;

namespace CloudStorage.Core.Tests.Conformance;

// Composite stores are providers: the whole suite runs through a replicated and a routed one, so every ability they
// derive from their members passes the same tests as any provider's.
public sealed class ReplicaMemoryConformanceTests : ProviderConformanceTests
{
    protected override IStorageProvider CreateProvider() => new ReplicatedStorageProvider("conf-replica",
        [new MemoryStorageProvider("conf-p-" + Guid.NewGuid().ToString("N")), new MemoryStorageProvider("conf-r-" + Guid.NewGuid().ToString("N"))],
        ReplicaPolicy.All);
}

public sealed class ReplicaMixedConformanceTests : ProviderConformanceTests
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "cs-replica-conf-" + Guid.NewGuid().ToString("N"));

    // A memory primary with a local replica: the replica is fed the caller's bytes (no server-side copy between them).
    protected override IStorageProvider CreateProvider()
    {
        Directory.CreateDirectory(_root);
        return new ReplicatedStorageProvider("conf-replica-mixed",
            [new MemoryStorageProvider("conf-p-" + Guid.NewGuid().ToString("N")), new LocalStorageProvider(_root)], ReplicaPolicy.All);
    }

    protected override Task DisposeProviderAsync()
    {
        if (Directory.Exists(_root)) Directory.Delete(_root, recursive: true);
        return Task.CompletedTask;
    }
}

public sealed class RoutingMemoryConformanceTests : ProviderConformanceTests
{
    protected override IStorageProvider CreateProvider() => new RoutedStorageProvider("conf-routed",
    [
        ("*.txt", new MemoryStorageProvider("conf-txt-" + Guid.NewGuid().ToString("N"))),
        ("*", new MemoryStorageProvider("conf-rest-" + Guid.NewGuid().ToString("N"))),
    ]);
}
