using System.Reflection;
using System.Text.RegularExpressions;
using System.Xml.Linq;

namespace CloudStorage.PowerShell.Tests;

/// <summary>
/// The PowerShell face without PowerShell: the manifest names files that exist and a version equal to the one in
/// Directory.Build.props; the format/types files are well-formed and name real, public model types and properties.
/// (CmdletsToExport is checked by the cmdlet contract tests.)
/// </summary>
public sealed partial class ModuleFilesTests
{
    private static readonly Assembly CoreAssembly = typeof(CloudStorage.Core.Model.StorageItem).Assembly;
    private static readonly string RepoRoot = FindRepoRoot();
    private static readonly string ModuleDir = Path.Combine(RepoRoot, "module");
    private static readonly PowerShellDataFile Manifest = PowerShellDataFile.Load(Path.Combine(RepoRoot, "CloudStorage.psd1"));

    [Fact]
    public void Repository_manifest_root_module_is_the_loader_script_of_the_built_layout_and_the_layout_loads_the_assembly()
    {
        // In the repository the manifest must pass Test-ModuleManifest before and after a build: its RootModule is a
        // script that exists here; the build stamps the PowerShell project's assembly into the laid-out copy.
        var project = XDocument.Load(Path.Combine(RepoRoot, "src", "CloudStorage.PowerShell", "CloudStorage.PowerShell.csproj"));
        var assemblyName = project.Descendants("AssemblyName").Select(e => e.Value.Trim()).FirstOrDefault() ?? "CloudStorage.PowerShell";

        var loader = Manifest.GetString("RootModule")!;
        Assert.EndsWith(".psm1", loader);
        Assert.True(File.Exists(Path.Combine(RepoRoot, loader)), $"RootModule names '{loader}', which is not in the repository.");
        var laidOut = PowerShellDataFile.Load(Path.Combine(CloudStorage.PowerShell.Tests.Packaging.ModuleLayout.Directory, "CloudStorage.psd1"));
        Assert.Equal(assemblyName + ".dll", laidOut.GetString("RootModule"));
    }

    [Fact]
    public void Manifest_version_and_prerelease_equal_Directory_Build_props()
    {
        var props = XDocument.Load(Path.Combine(RepoRoot, "Directory.Build.props"));
        var prefix = props.Descendants("VersionPrefix").Single().Value.Trim();
        var suffix = props.Descendants("VersionSuffix").SingleOrDefault()?.Value.Trim() ?? "";

        Assert.Equal(prefix, Manifest.GetString("ModuleVersion"));
        Assert.Equal(suffix, Manifest.GetString("Prerelease") ?? "");
    }

    [Theory]
    [InlineData("FormatsToProcess")]
    [InlineData("TypesToProcess")]
    public void Every_file_the_manifest_loads_exists_next_to_it(string key)
    {
        // Next to the manifest at the repository root, so Test-ModuleManifest passes there as in the built module.
        foreach (var name in Manifest.GetStrings(key))
            Assert.True(File.Exists(Path.Combine(RepoRoot, name)), $"{key} names '{name}', which is not at the repository root.");
    }

    [Fact]
    public void Every_ps1xml_in_module_folder_is_loaded_by_the_manifest()
    {
        var loaded = Manifest.GetStrings("FormatsToProcess").Concat(Manifest.GetStrings("TypesToProcess"))
            .ToHashSet(StringComparer.OrdinalIgnoreCase);
        foreach (var file in Ps1XmlFiles())
            Assert.True(loaded.Contains(Path.GetFileName(file)), $"{Path.GetFileName(file)} is not in FormatsToProcess or TypesToProcess.");
    }

    [Fact]
    public void Every_ps1xml_is_well_formed_with_a_Configuration_or_Types_root()
    {
        var files = Ps1XmlFiles();
        Assert.NotEmpty(files);
        foreach (var file in files)
        {
            var root = XDocument.Load(file).Root!;
            var name = Path.GetFileName(file);
            var expected = name.EndsWith(".types.ps1xml", StringComparison.OrdinalIgnoreCase) ? "Types" : "Configuration";
            Assert.True(root.Name.LocalName == expected, $"{name}: root element is <{root.Name.LocalName}>, expected <{expected}>.");
        }
    }

    [Fact]
    public void Every_view_selects_a_public_type_of_the_Core_assembly()
    {
        foreach (var (file, view) in Views())
        {
            var typeNames = view.Element("ViewSelectedBy")?.Elements("TypeName").Select(e => e.Value.Trim()).ToList() ?? [];
            Assert.True(typeNames.Count > 0, $"{file}: view '{ViewName(view)}' selects no TypeName.");
            foreach (var typeName in typeNames)
            {
                var type = CoreAssembly.GetType(typeName);
                Assert.True(type is { IsPublic: true }, $"{file}: view '{ViewName(view)}' selects '{typeName}', which is not a public type in {CoreAssembly.GetName().Name}.");
            }
        }
    }

    [Fact]
    public void Every_PropertyName_in_a_view_is_a_public_property_of_the_selected_type()
    {
        foreach (var (file, view) in Views())
        {
            var types = view.Element("ViewSelectedBy")!.Elements("TypeName").Select(e => CoreAssembly.GetType(e.Value.Trim())).OfType<Type>().ToList();
            foreach (var property in view.Descendants("PropertyName").Select(e => e.Value.Trim()))
                foreach (var type in types)
                    Assert.True(type.GetProperty(property, BindingFlags.Public | BindingFlags.Instance) is not null,
                        $"{file}: view '{ViewName(view)}' shows '{property}', which {type.FullName} does not have.");
        }
    }

    [Fact]
    public void Every_table_has_as_many_headers_as_row_items()
    {
        foreach (var (file, view) in Views())
        {
            foreach (var table in view.Descendants("TableControl"))
            {
                var headers = table.Element("TableHeaders")?.Elements("TableColumnHeader").Count() ?? 0;
                var rows = table.Element("TableRowEntries")?.Elements("TableRowEntry").ToList() ?? [];
                Assert.True(rows.Count > 0, $"{file}: table '{ViewName(view)}' has no TableRowEntry.");
                foreach (var row in rows)
                {
                    var items = row.Element("TableColumnItems")?.Elements("TableColumnItem").Count() ?? 0;
                    Assert.True(headers == items, $"{file}: table '{ViewName(view)}' has {headers} headers but {items} row items.");
                }
            }
        }
    }

    [Fact]
    public void Every_view_name_is_unique()
    {
        var duplicates = Views().GroupBy(v => ViewName(v.View)).Where(g => g.Count() > 1).Select(g => g.Key).ToList();
        Assert.Empty(duplicates);
    }

    [Fact]
    public void A_presigned_URL_is_never_shown_by_default()
    {
        // The signed URL grants access to whoever reads it: only Format-List (an explicit request) or $x.Url shows it.
        var table = Views().Select(v => v.View).Single(v => ViewName(v) == "CloudStorage.PresignedUrl.Table");
        Assert.DoesNotContain("Url", table.Descendants("PropertyName").Select(e => e.Value.Trim()));
        Assert.DoesNotContain(table.Descendants("ScriptBlock"), s => s.Value.Contains(".Url", StringComparison.Ordinal));
        // The table view is the first view of the type, so it is the default.
        var first = Views().Select(v => v.View).First(v => v.Element("ViewSelectedBy")!.Elements("TypeName").Any(t => t.Value.Trim() == "CloudStorage.Core.Model.PresignedUrl"));
        Assert.Equal("CloudStorage.PresignedUrl.Table", ViewName(first));
    }

    [Fact]
    public void Status_columns_colour_through_PSStyle_only_when_it_exists()
    {
        foreach (var viewName in new[] { "CloudStorage.SyncAction.Table", "CloudStorage.IntegrityResult.Table" })
        {
            var view = Views().Select(v => v.View).Single(v => ViewName(v) == viewName);
            var script = view.Descendants("ScriptBlock").Select(s => s.Value).SingleOrDefault(s => s.Contains("$_.Status", StringComparison.Ordinal));
            Assert.True(script is not null, $"{viewName}: the Status column is not a ScriptBlock.");
            Assert.Contains("Get-Variable -Name PSStyle -ValueOnly -ErrorAction Ignore", script);
            Assert.Contains("if ($null -eq $style) { return $text }", script);
            Assert.Contains("$style.Reset", script);
        }
    }

    [Fact]
    public void Module_layout_takes_the_root_format_file_and_help_and_build_script_ships_that_layout()
    {
        // What goes where is decided once, by the build (the layout tests check the result); build.ps1 copies it.
        var targets = File.ReadAllText(Path.Combine(RepoRoot, "src", "CloudStorage.PowerShell", "ModuleLayout.targets"));
        Assert.Contains("$(_CsRepoRoot)*.format.ps1xml", targets);
        Assert.Contains("module/en-US/*", targets);
        var build = File.ReadAllText(Path.Combine(RepoRoot, "build.ps1"));
        Assert.Contains("artifacts/module/$Configuration/$ModuleName", build);
        Assert.Contains("Test-ModuleManifest", build);
    }

    [Fact]
    public void Manifest_PSData_has_what_the_Gallery_shows()
    {
        var tags = Manifest.GetStrings("Tags");
        Assert.NotEmpty(tags);
        // Tags become one space-separated nuspec field: a tag with a space would split in two.
        Assert.All(tags, tag => Assert.Matches("^[A-Za-z0-9_.-]+$", tag));
        Assert.Contains("PSEdition_Core", tags);
        foreach (var key in new[] { "ProjectUri", "LicenseUri" })
        {
            var value = Manifest.GetString(key);
            Assert.True(Uri.TryCreate(value, UriKind.Absolute, out var uri) && uri.Scheme == "https", $"PSData {key} '{value}' is not an https URL.");
        }
        Assert.EndsWith("/LICENSE", Manifest.GetString("LicenseUri"));
        Assert.False(string.IsNullOrWhiteSpace(Manifest.GetString("ReleaseNotes")), "PSData ReleaseNotes is empty.");
        // SemVer 1 prerelease label as the Gallery wants it: letters and digits only, no dots or dashes.
        var prerelease = Manifest.GetString("Prerelease");
        if (prerelease is not null) Assert.Matches("^[A-Za-z][A-Za-z0-9]*$", prerelease);
        Assert.False(string.IsNullOrWhiteSpace(Manifest.GetString("Description")));
        Assert.False(string.IsNullOrWhiteSpace(Manifest.GetString("Author")));
    }

    [Fact]
    public void LICENSE_and_CHANGELOG_exist_and_the_changelog_names_this_version()
    {
        Assert.True(File.Exists(Path.Combine(RepoRoot, "LICENSE")));
        var changelog = Path.Combine(RepoRoot, "CHANGELOG.md");
        Assert.True(File.Exists(changelog));
        var version = Manifest.GetString("ModuleVersion")!;
        var prerelease = Manifest.GetString("Prerelease");
        Assert.Contains(prerelease is null ? version : $"{version}-{prerelease}", File.ReadAllText(changelog));
    }

    [Fact]
    public void About_help_exists_for_the_module()
    {
        Assert.True(File.Exists(Path.Combine(ModuleDir, "en-US", "about_CloudStorage.help.txt")));
    }

    private static List<string> Ps1XmlFiles() =>
        Directory.GetFiles(RepoRoot, "*.ps1xml").Concat(Directory.Exists(ModuleDir) ? Directory.GetFiles(ModuleDir, "*.ps1xml") : [])
            .Order(StringComparer.Ordinal).ToList();

    private static IEnumerable<(string File, XElement View)> Views() =>
        Ps1XmlFiles()
            .Where(f => f.EndsWith(".format.ps1xml", StringComparison.OrdinalIgnoreCase))
            .SelectMany(f => XDocument.Load(f).Root!.Elements("ViewDefinitions").Elements("View").Select(v => (Path.GetFileName(f), v)));

    private static string ViewName(XElement view) => view.Element("Name")?.Value.Trim() ?? "(unnamed)";

    private static string FindRepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "StoragePs.sln")))
                return dir.FullName;
        throw new InvalidOperationException($"No StoragePs.sln above {AppContext.BaseDirectory}.");
    }
}
