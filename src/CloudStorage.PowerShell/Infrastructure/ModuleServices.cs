using System.Runtime.CompilerServices;
using CloudStorage.Core.Addressing;

namespace CloudStorage.PowerShell.Infrastructure;

/// <summary>
/// The session's registry as the cmdlets and completers see it: <see cref="ProviderRegistry.Session"/> with the cloud
/// providers of CloudStorage.Providers (s3://, and every scheme that assembly registers) added once, on first use.
/// </summary>
public static class ModuleServices
{
    // PublicationOnly: a failed registration is not cached, so the next cmdlet call tries again (registering twice
    // only replaces the same factories).
    private static readonly Lazy<ProviderRegistry> SessionRegistry = new(() =>
    {
        var registry = ProviderRegistry.Session;
        RegisterCloudProviders(registry);
        return registry;
    }, LazyThreadSafetyMode.PublicationOnly);

    /// <summary>The registry of this session, with the cloud providers registered.</summary>
    public static ProviderRegistry Registry => SessionRegistry.Value;

    /// <summary>
    /// Registers the cloud provider factories. Kept in a method of its own, never inlined, so that the
    /// CloudStorage.Providers assembly (and the SDKs behind it) is loaded only when this runs: that is the point at
    /// which the module's dependency loading must be in place.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    internal static void RegisterCloudProviders(ProviderRegistry registry) =>
        CloudStorage.Providers.ProviderPack.RegisterAll(registry);
}
