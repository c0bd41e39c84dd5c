using System.Text.RegularExpressions;

namespace CloudStorage.PowerShell.Tests.Contract;

/// <summary>The module manifest exports exactly the cmdlet classes (the manifest is written on the module branch).</summary>
public class ManifestTests
{
    /// <summary>The repository root: the nearest folder above the test output holding StoragePs.sln.</summary>
    public static string? RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "StoragePs.sln"))) return dir.FullName;
        return null;
    }

    /// <summary>CloudStorage.psd1 at the repository root (or, failing that, in module/).</summary>
    public static string? ManifestPath() => RepositoryRoot() is { } root
        ? new[] { Path.Combine(root, "CloudStorage.psd1"), Path.Combine(root, "module", "CloudStorage.psd1") }.FirstOrDefault(File.Exists)
        : null;

    /// <summary>The names listed in CmdletsToExport: <c>@('A', 'B')</c>, <c>'A', 'B'</c> or a single string.</summary>
    public static IReadOnlyList<string> CmdletsToExport(string manifest)
    {
        var text = Regex.Replace(manifest, "#[^\\n]*", ""); // comments
        var m = Regex.Match(text, @"CmdletsToExport\s*=\s*(?:@\((?<list>[^)]*)\)|(?<list>(?:'[^']*'|""[^""]*"")(?:\s*,\s*(?:'[^']*'|""[^""]*""))*))",
            RegexOptions.IgnoreCase | RegexOptions.Singleline);
        Assert.True(m.Success, "The manifest has no CmdletsToExport entry.");
        return Regex.Matches(m.Groups["list"].Value, @"'(?<n>[^']*)'|""(?<n>[^""]*)""").Select(x => x.Groups["n"].Value).ToList();
    }

    [Fact]
    public void The_repository_root_is_found_from_the_test_output()
    {
        var root = RepositoryRoot();
        Assert.NotNull(root);
        Assert.True(Directory.Exists(Path.Combine(root!, "src", "CloudStorage.PowerShell")));
    }

    [Fact]
    public void CmdletsToExport_is_parsed_in_its_usual_forms()
    {
        Assert.Equal(["Get-A", "Set-B"], CmdletsToExport("@{\n CmdletsToExport = @(\n  'Get-A' # first\n  \"Set-B\"\n )\n}"));
        Assert.Equal(["Get-A", "Set-B"], CmdletsToExport("@{ CmdletsToExport = 'Get-A', 'Set-B'\n FunctionsToExport = @() }"));
    }

    [Fact]
    public void The_manifest_exports_exactly_the_cmdlet_classes()
    {
        var path = ManifestPath();
        Assert.True(path is not null, "CloudStorage.psd1 was not found at the repository root");
        var exported = CmdletsToExport(File.ReadAllText(path!)).Order(StringComparer.OrdinalIgnoreCase).ToList();
        var classes = CmdletMetadata.CmdletTypes.Select(t => t.CmdletName()).Select(n => $"{n.Verb}-{n.Noun}")
            .Order(StringComparer.OrdinalIgnoreCase).ToList();
        Assert.Equal(classes, exported);
    }
}
