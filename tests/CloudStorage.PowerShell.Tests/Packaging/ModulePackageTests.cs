using System.Diagnostics;
using System.IO.Compression;
using System.Xml.Linq;
using CloudStorage.PowerShell.Tests;
using CloudStorage.PowerShell.Tests.Contract;

namespace CloudStorage.PowerShell.Tests.Packaging;

/// <summary>
/// The Gallery package `build.ps1 -Task Package` makes, made the same way (`dotnet pack src/CloudStorage.PowerShell
/// --no-build`) into a temporary folder: the module folder at the package root, byte for byte, and the nuspec
/// PowerShellGet's Publish-Module writes (id, SemVer version with the Prerelease label, PSData fields, and the tags
/// the Gallery searches).
/// </summary>
public sealed class ModulePackageTests : IClassFixture<ModulePackageTests.PackedModule>
{
    private static readonly XNamespace Nuspec = "http://schemas.microsoft.com/packaging/2011/10/nuspec.xsd";
    private readonly PackedModule _package;

    public ModulePackageTests(PackedModule package) => _package = package;

    [Fact]
    public void Package_is_named_after_the_module_and_its_full_version()
    {
        Assert.Equal($"CloudStorage.{Version()}.nupkg", Path.GetFileName(_package.Path));
    }

    [Fact]
    public void Package_root_holds_exactly_the_module_folder_byte_for_byte()
    {
        using var zip = ZipFile.OpenRead(_package.Path);
        var packaging = new[] { "CloudStorage.nuspec", "[Content_Types].xml", "_rels/.rels" };
        var entries = zip.Entries.Where(e => !packaging.Contains(e.FullName) && !e.FullName.StartsWith("package/", StringComparison.Ordinal))
            .ToDictionary(e => e.FullName);
        var files = Directory.EnumerateFiles(ModuleLayout.Directory, "*", SearchOption.AllDirectories)
            .ToDictionary(f => Path.GetRelativePath(ModuleLayout.Directory, f).Replace('\\', '/'));

        Assert.Equal(files.Keys.Order(StringComparer.Ordinal), entries.Keys.Order(StringComparer.Ordinal));
        foreach (var (name, path) in files)
        {
            using var stream = entries[name].Open();
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            Assert.True(File.ReadAllBytes(path).AsSpan().SequenceEqual(copy.ToArray()), $"{name} in the package differs from the module folder.");
        }
        Assert.Contains("Dependencies/CloudStorage.Providers.dll", entries.Keys);
        Assert.DoesNotContain(entries.Keys, e => e.StartsWith("lib/", StringComparison.Ordinal));
    }

    [Fact]
    public void Nuspec_carries_what_Publish_Module_writes()
    {
        var manifest = PowerShellDataFile.Load(Path.Combine(ModuleLayout.Directory, "CloudStorage.psd1"));
        var metadata = _package.Nuspec.Root!.Element(Nuspec + "metadata")!;
        string Field(string name) => metadata.Element(Nuspec + name)?.Value ?? "";

        Assert.Equal("CloudStorage", Field("id"));
        Assert.Equal(Version(), Field("version"));
        Assert.Equal(manifest.GetString("Author"), Field("authors"));
        Assert.Equal(manifest.GetString("Description"), Field("description"));
        Assert.Equal(manifest.GetString("ReleaseNotes"), Field("releaseNotes"));
        Assert.Equal(manifest.GetString("Copyright"), Field("copyright"));
        Assert.Equal(manifest.GetString("ProjectUri"), Field("projectUrl"));
        Assert.Equal(manifest.GetString("LicenseUri"), Field("licenseUrl"));
        var tags = Field("tags").Split(' ', StringSplitOptions.RemoveEmptyEntries);
        Assert.Contains("PSModule", tags);
        Assert.Contains("PSEdition_Core", tags);
        foreach (var tag in manifest.GetStrings("Tags")) Assert.Contains(tag, tags);
        foreach (var cmdlet in ManifestTests.CmdletsToExport(File.ReadAllText(Path.Combine(ModuleLayout.Directory, "CloudStorage.psd1"))))
        {
            Assert.Contains("PSCmdlet_" + cmdlet, tags);
            Assert.Contains("PSCommand_" + cmdlet, tags);
        }
        Assert.Empty(metadata.Elements(Nuspec + "dependencies").Elements());
    }

    private static string Version()
    {
        var manifest = PowerShellDataFile.Load(Path.Combine(ModuleLayout.Directory, "CloudStorage.psd1"));
        var prerelease = manifest.GetString("Prerelease");
        return string.IsNullOrEmpty(prerelease) ? manifest.GetString("ModuleVersion")! : $"{manifest.GetString("ModuleVersion")}-{prerelease}";
    }

    /// <summary>Packs once for the class, into a temporary folder removed afterwards.</summary>
    public sealed class PackedModule : IDisposable
    {
        private readonly DirectoryInfo _output = Directory.CreateTempSubdirectory("cs-pack-");

        public PackedModule()
        {
            var project = System.IO.Path.Combine(ManifestTests.RepositoryRoot()!, "src", "CloudStorage.PowerShell", "CloudStorage.PowerShell.csproj");
            var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } dotnet ? dotnet : "dotnet")
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            foreach (var argument in new[] { "pack", project, "-c", ModuleLayout.Configuration, "--no-build", "-o", _output.FullName, "-nodeReuse:false", "-p:UseSharedCompilation=false" })
                start.ArgumentList.Add(argument);
            using var process = Process.Start(start)!;
            var stderr = process.StandardError.ReadToEndAsync();
            var stdout = process.StandardOutput.ReadToEnd();
            if (!process.WaitForExit(TimeSpan.FromMinutes(3)))
            {
                process.Kill(entireProcessTree: true);
                throw new TimeoutException("dotnet pack did not finish within 3 minutes.");
            }
            if (process.ExitCode != 0) throw new InvalidOperationException($"dotnet pack failed ({process.ExitCode}):\n{stdout}\n{stderr.Result}");
            Path = Directory.GetFiles(_output.FullName, "*.nupkg").Single();
            using var zip = ZipFile.OpenRead(Path);
            using var nuspec = zip.GetEntry("CloudStorage.nuspec")!.Open();
            Nuspec = XDocument.Load(nuspec);
        }

        public string Path { get; }

        public XDocument Nuspec { get; }

        public void Dispose()
        {
            try { _output.Delete(recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }
}
