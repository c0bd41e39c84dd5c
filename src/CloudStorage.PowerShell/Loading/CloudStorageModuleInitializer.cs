using System.Management.Automation;

namespace CloudStorage.PowerShell.Loading;

/// <summary>
/// Called by PowerShell when the module is imported and removed: installs and removes the <see cref="ModuleLoader"/>
/// that loads the cloud providers and their SDKs in the module's own load context. Nothing here touches a type of
/// CloudStorage.Providers: that assembly must be resolved by the handler this installs, not before it exists.
/// </summary>
public sealed class CloudStorageModuleInitializer : IModuleAssemblyInitializer, IModuleAssemblyCleanup
{
    /// <inheritdoc />
    public void OnImport() => ModuleLoader.Shared.Install();

    /// <inheritdoc />
    public void OnRemove(PSModuleInfo psModuleInfo) => ModuleLoader.Shared.Uninstall();
}
