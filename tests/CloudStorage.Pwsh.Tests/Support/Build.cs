using System.Reflection;

namespace CloudStorage.Pwsh.Tests.Support;

/// <summary>Paths and pinned versions the test project stamped into this assembly (see the project file).</summary>
public static class Build
{
    /// <summary>The repository root (the folder of StoragePs.sln).</summary>
    public static string RepositoryRoot => Metadata("RepositoryRoot");

    /// <summary>The laid-out module folder (artifacts/module/&lt;Configuration&gt;/CloudStorage/).</summary>
    public static string ModuleLayout => Metadata("CloudStorageModuleLayoutDir");

    /// <summary>Its manifest.</summary>
    public static string ModuleManifest => Path.Combine(ModuleLayout, "CloudStorage.psd1");

    /// <summary>The NuGet package folder the PackageDownload items were restored into.</summary>
    public static string PackageRoot => Metadata("NuGetPackageRoot");

    public static string PowerShellVersion => Metadata("PowerShellToolVersion");

    public static string PesterVersion => Metadata("PesterVersion");

    public static string SessionAwsCoreVersion => Metadata("SessionAwsCoreVersion");

    /// <summary>Pester's module manifest in its (chocolatey-style) package: the module is under tools/.</summary>
    public static string PesterManifest => RestoredFile(Path.Combine(PackageRoot, "pester", PesterVersion, "tools", "Pester.psd1"));

    /// <summary>
    /// The PowerShell tool's entry point, what <c>dotnet pwsh</c> runs for the local tool of .config/dotnet-tools.json:
    /// a shim that starts the platform's pwsh.dll from the same package.
    /// </summary>
    public static string PwshShim => RestoredFile(Path.Combine(PackageRoot, "powershell", PowerShellVersion, "tools", "net10.0", "any",
        "Microsoft.PowerShell.GlobalTool.Shim.dll"));

    /// <summary>AWSSDK.Core 3.7's assembly, as a session with AWS.Tools holds it.</summary>
    public static string SessionAwsCore => RestoredFile(Path.Combine(PackageRoot, "awssdk.core", SessionAwsCoreVersion, "lib", "net8.0", "AWSSDK.Core.dll"));

    private static string RestoredFile(string path)
    {
        Assert.True(File.Exists(path), $"{path} is missing: `dotnet restore` (run by `dotnet test`) restores it from NuGet (PackageDownload in tests/CloudStorage.Pwsh.Tests).");
        return path;
    }

    private static string Metadata(string key)
    {
        var value = typeof(Build).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().SingleOrDefault(a => a.Key == key)?.Value;
        Assert.False(string.IsNullOrEmpty(value), $"The test assembly has no '{key}' metadata (see the test project file).");
        return value!;
    }
}
