using System.Reflection;

namespace CloudStorage.PowerShell.Tests.Packaging;

/// <summary>Where the build put the module layout (paths stamped in by the test project).</summary>
public static class ModuleLayout
{
    /// <summary>The laid-out module folder (artifacts/module/&lt;Configuration&gt;/CloudStorage/).</summary>
    public static string Directory => Metadata("CloudStorageModuleLayoutDir");

    /// <summary>Its Dependencies/ folder.</summary>
    public static string Dependencies => Path.Combine(Directory, "Dependencies");

    /// <summary>The configuration the tests (and so the layout) were built in.</summary>
    public static string Configuration => Metadata("Configuration");

    private static string Metadata(string key)
    {
        var value = typeof(ModuleLayout).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().SingleOrDefault(a => a.Key == key)?.Value;
        Assert.False(string.IsNullOrEmpty(value), $"The test assembly has no '{key}' metadata (see the test project file).");
        return value!;
    }
}
