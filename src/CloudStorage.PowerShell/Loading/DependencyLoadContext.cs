using System.Reflection;
using System.Runtime.Loader;

namespace CloudStorage.PowerShell.Loading;

/// <summary>
/// The module's private load context: the cloud providers (CloudStorage.Providers) and every SDK they use (AWSSDK,
/// Azure.Core, Google.Apis.Auth, Polly, ...) load here from the module's <c>Dependencies/</c> folder, so another
/// module in the same session (Az, AWS.Tools) can hold other versions of the same assemblies in the default context.
/// Shared assemblies - CloudStorage.Core, whose types (StorageItem, ProviderRegistry, IProviderFactory) both sides
/// name - and the framework are never loaded here: <see cref="Load"/> returns null for them, so they come from the
/// default context and the types unify.
/// </summary>
public sealed class DependencyLoadContext : AssemblyLoadContext
{
    /// <summary>The name this context reports (visible in <c>AssemblyLoadContext.All</c> and in dumps).</summary>
    public const string ContextName = "CloudStorage.Dependencies";

    private readonly HashSet<string> _shared;

    /// <summary>A context resolving from <paramref name="dependencyDirectory"/>; <paramref name="sharedAssemblyNames"/> always come from the default context.</summary>
    public DependencyLoadContext(string dependencyDirectory, IEnumerable<string> sharedAssemblyNames)
        : base(ContextName, isCollectible: false)
    {
        ArgumentException.ThrowIfNullOrEmpty(dependencyDirectory);
        DependencyDirectory = Path.GetFullPath(dependencyDirectory);
        _shared = new HashSet<string>(sharedAssemblyNames, StringComparer.OrdinalIgnoreCase);
    }

    /// <summary>The folder the isolated assemblies load from.</summary>
    public string DependencyDirectory { get; }

    /// <summary>The file <paramref name="assemblyName"/> would load from, or null when it is shared or not in the folder.</summary>
    public string? FindAssemblyPath(AssemblyName assemblyName)
    {
        if (assemblyName.Name is not { Length: > 0 } name || _shared.Contains(name)) return null;
        // A name is a file name only when it has no path characters (a crafted name must not escape the folder).
        if (name.IndexOfAny(Path.GetInvalidFileNameChars()) >= 0 || name.Contains("..", StringComparison.Ordinal)) return null;
        // Satellite (resource) assemblies live in a culture folder, as in an application's output.
        var culture = assemblyName.CultureName;
        var folder = string.IsNullOrEmpty(culture) ? DependencyDirectory : Path.Combine(DependencyDirectory, culture);
        var path = Path.Combine(folder, name + ".dll");
        return File.Exists(path) ? path : null;
    }

    /// <inheritdoc />
    protected override Assembly? Load(AssemblyName assemblyName)
    {
        // Null: not ours (framework, CloudStorage.Core, System.Management.Automation) - the default context answers.
        var path = FindAssemblyPath(assemblyName);
        return path is null ? null : LoadFromAssemblyPath(path);
    }

    /// <inheritdoc />
    protected override IntPtr LoadUnmanagedDll(string unmanagedDllName)
    {
        // Native libraries an SDK may carry sit next to its assemblies; anything else is the system's.
        foreach (var candidate in NativeFileNames(unmanagedDllName))
        {
            var path = Path.Combine(DependencyDirectory, candidate);
            if (File.Exists(path)) return LoadUnmanagedDllFromPath(path);
        }
        return IntPtr.Zero;
    }

    private static IEnumerable<string> NativeFileNames(string name)
    {
        if (name.IndexOfAny(Path.GetInvalidFileNameChars()) >= 0) yield break;
        yield return name;
        if (OperatingSystem.IsWindows()) yield return name + ".dll";
        else if (OperatingSystem.IsMacOS()) { yield return name + ".dylib"; yield return "lib" + name + ".dylib"; }
        else { yield return name + ".so"; yield return "lib" + name + ".so"; }
    }
}
