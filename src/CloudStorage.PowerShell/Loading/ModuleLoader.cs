using System.Reflection;
using System.Runtime.Loader;

namespace CloudStorage.PowerShell.Loading;

/// <summary>
/// The PowerShell team's pattern for dependency conflicts ("Resolving PowerShell module assembly dependency
/// conflicts"): while installed, a handler on <see cref="AssemblyLoadContext.Default"/>'s <c>Resolving</c> event
/// answers for the isolated entry assemblies only (CloudStorage.Providers) by loading them through a
/// <see cref="DependencyLoadContext"/> over the module's <c>Dependencies/</c> folder; everything they need then
/// resolves in that context. The default context never sees the SDKs, so it is free to hold other versions of them.
/// </summary>
/// <remarks>
/// The handler only runs when the default context cannot find a name itself, which is the case in PowerShell: the
/// isolated assemblies are not next to the module's root assembly, where PowerShell looks. A host that ships them in
/// its own application folder (the xunit tests) never calls the handler. Plain C#, no PowerShell: the module
/// initializer calls <see cref="Install"/> and <see cref="Uninstall"/>.
/// </remarks>
public sealed class ModuleLoader
{
    /// <summary>The folder under the module root that holds the isolated assemblies.</summary>
    public const string DependencyFolderName = "Dependencies";

    /// <summary>The assemblies the module root reaches for that live in the private context.</summary>
    public static readonly IReadOnlyList<string> DefaultIsolatedAssemblies = ["CloudStorage.Providers"];

    /// <summary>The assemblies both contexts must share so that their types are the same types.</summary>
    public static readonly IReadOnlyList<string> DefaultSharedAssemblies =
        ["CloudStorage.Core", "CloudStorage.PowerShell", "System.Management.Automation"];

    private static readonly Lazy<ModuleLoader> ForThisModule = new(() =>
        new ModuleLoader(Path.Combine(ModuleRootOf(typeof(ModuleLoader).Assembly), DependencyFolderName)));

    private readonly HashSet<string> _isolated;
    private readonly object _gate = new();
    private bool _installed;

    /// <summary>
    /// A loader for the isolated assemblies in <paramref name="dependencyDirectory"/>: <paramref name="isolatedAssemblies"/>
    /// (default: CloudStorage.Providers) load in a private context, <paramref name="sharedAssemblies"/> (default:
    /// CloudStorage.Core, this assembly, System.Management.Automation) always from the default one.
    /// </summary>
    public ModuleLoader(string dependencyDirectory, IEnumerable<string>? isolatedAssemblies = null, IEnumerable<string>? sharedAssemblies = null)
    {
        _isolated = new HashSet<string>(isolatedAssemblies ?? DefaultIsolatedAssemblies, StringComparer.OrdinalIgnoreCase);
        Context = new DependencyLoadContext(dependencyDirectory, sharedAssemblies ?? DefaultSharedAssemblies);
    }

    /// <summary>
    /// The loader of this module (its <c>Dependencies/</c> folder next to CloudStorage.PowerShell.dll). One per
    /// process: the private context cannot be unloaded, so a second import must reuse it rather than load the
    /// providers a second time.
    /// </summary>
    public static ModuleLoader Shared => ForThisModule.Value;

    /// <summary>The private context (created up front; it loads nothing until the handler asks it to).</summary>
    public DependencyLoadContext Context { get; }

    /// <summary>True while the <c>Resolving</c> handler is installed.</summary>
    public bool IsInstalled
    {
        get { lock (_gate) return _installed; }
    }

    /// <summary>Installs the handler; calling it again while installed does nothing.</summary>
    public void Install()
    {
        lock (_gate)
        {
            if (_installed) return;
            AssemblyLoadContext.Default.Resolving += OnResolving;
            _installed = true;
        }
    }

    /// <summary>Removes the handler. Assemblies already loaded stay loaded (a .NET process cannot unload them).</summary>
    public void Uninstall()
    {
        lock (_gate)
        {
            if (!_installed) return;
            AssemblyLoadContext.Default.Resolving -= OnResolving;
            _installed = false;
        }
    }

    /// <summary>
    /// What the handler answers for <paramref name="assemblyName"/>: the assembly loaded in the private context when
    /// it is an isolated entry assembly present in the dependency folder, otherwise null (someone else's name).
    /// </summary>
    public Assembly? Resolve(AssemblyName assemblyName)
    {
        if (assemblyName.Name is not { } name || !_isolated.Contains(name)) return null;
        if (Context.FindAssemblyPath(assemblyName) is null) return null;
        return Context.LoadFromAssemblyName(assemblyName);
    }

    private Assembly? OnResolving(AssemblyLoadContext context, AssemblyName assemblyName) => Resolve(assemblyName);

    /// <summary>The folder holding <paramref name="moduleAssembly"/> (the module root).</summary>
    public static string ModuleRootOf(Assembly moduleAssembly)
    {
        var location = moduleAssembly.Location;
        if (string.IsNullOrEmpty(location))
            throw new InvalidOperationException($"{moduleAssembly.GetName().Name} has no file location; the module must be loaded from its folder.");
        return Path.GetDirectoryName(location)!;
    }
}
