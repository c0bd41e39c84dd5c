using CloudStorage.Core.Addressing;
using CloudStorage.Providers.Azure;
using CloudStorage.Providers.Gcs;
using CloudStorage.Providers.Resilience;
using CloudStorage.Providers.S3;

namespace CloudStorage.Providers;

/// <summary>The cloud providers of this assembly, for the PowerShell layer (or any host) to register.</summary>
public static class ProviderPack
{
    /// <summary>
    /// Registers every cloud provider factory of this assembly (<c>s3://</c>, <c>az://</c>, <c>gs://</c>) and the replicas'
    /// circuit breakers with <paramref name="registry"/>.
    /// </summary>
    public static void RegisterAll(ProviderRegistry registry, StorageResilienceOptions? resilience = null)
    {
        ArgumentNullException.ThrowIfNull(registry);
        registry.RegisterFactory(new S3ProviderFactory(resilience));
        registry.RegisterFactory(new AzureBlobProviderFactory(resilience));
        registry.RegisterFactory(new GcsProviderFactory(resilience));
        // Replicated providers get a Polly circuit breaker per replica.
        registry.RegisterReplicaBreakers(new PollyReplicaBreakerFactory());
    }
}
