using System.Reflection;
using System.Reflection.Metadata;
using System.Reflection.Metadata.Ecma335;
using System.Reflection.PortableExecutable;
using System.Runtime.InteropServices;
using System.Xml.Linq;
using CloudStorage.PowerShell.Tests;
using CloudStorage.PowerShell.Tests.Contract;

namespace CloudStorage.PowerShell.Tests.Packaging;

/// <summary>
/// The module as `dotnet build` lays it out (src/CloudStorage.PowerShell/ModuleLayout.targets), which is what
/// build.ps1 copies and packages: every file the manifest names is there, the root holds the cmdlets and the
/// shared engine only, and Dependencies/ holds the providers with everything they need.
/// </summary>
public sealed class ModuleLayoutTests
{
    private static readonly string Root = ModuleLayout.Directory;
    private static readonly string Dependencies = ModuleLayout.Dependencies;
    private static readonly string[] RootAssemblies = ["CloudStorage.PowerShell", "CloudStorage.Core"];

    /// <summary>Manifest keys whose values are files of the module.</summary>
    private static readonly string[] FileKeys =
        ["RootModule", "NestedModules", "RequiredAssemblies", "FormatsToProcess", "TypesToProcess", "ScriptsToProcess", "FileList"];

    private static PowerShellDataFile Manifest => PowerShellDataFile.Load(Path.Combine(Root, "CloudStorage.psd1"));

    [Fact]
    public void Every_file_the_manifest_names_is_in_the_layout()
    {
        var manifest = Manifest;
        var named = FileKeys.SelectMany(key => manifest.GetStrings(key).Select(file => (key, file))).ToList();
        Assert.Contains(named, n => n.key == "RootModule");
        Assert.Contains(named, n => n.key == "FormatsToProcess");
        Assert.DoesNotContain(named, n => n.key == "TypesToProcess"); // type data of a second copy would collide on import
        foreach (var (key, file) in named)
            Assert.True(File.Exists(Path.Combine(Root, file)), $"The manifest's {key} names '{file}', which is not in {Root}.");
    }

    [Fact]
    public void Help_for_the_root_module_and_the_about_topic_are_in_the_culture_folder()
    {
        // PowerShell looks for <RootModule>-Help.xml next to the module, in the folder of the UI culture (or en-US).
        var root = Manifest.GetString("RootModule")!;
        Assert.True(File.Exists(Path.Combine(Root, "en-US", root + "-Help.xml")), $"en-US/{root}-Help.xml is missing.");
        Assert.True(File.Exists(Path.Combine(Root, "en-US", "about_CloudStorage.help.txt")));
        Assert.Equal("helpItems", XDocument.Load(Path.Combine(Root, "en-US", root + "-Help.xml")).Root!.Name.LocalName);
    }

    [Fact]
    public void LICENSE_named_by_LicenseUri_and_CHANGELOG_ship_in_the_module()
    {
        var license = Manifest.GetString("LicenseUri")!;
        Assert.True(File.Exists(Path.Combine(Root, license[(license.LastIndexOf('/') + 1)..])), $"The file {license} names is not in the module.");
        var changelog = File.ReadAllText(Path.Combine(Root, "CHANGELOG.md"));
        Assert.Contains(Version(), changelog);
    }

    [Fact]
    public void Manifest_is_stamped_with_the_project_version_and_written_with_a_BOM()
    {
        var props = XDocument.Load(Path.Combine(ManifestTests.RepositoryRoot()!, "Directory.Build.props"));
        var prefix = props.Descendants("VersionPrefix").Single().Value.Trim();
        var suffix = props.Descendants("VersionSuffix").SingleOrDefault()?.Value.Trim() ?? "";

        Assert.Equal(prefix, Manifest.GetString("ModuleVersion"));
        Assert.Equal(suffix, Manifest.GetString("Prerelease") ?? "");
        Assert.Equal(new byte[] { 0xEF, 0xBB, 0xBF }, File.ReadAllBytes(Path.Combine(Root, "CloudStorage.psd1"))[..3]);
    }

    [Fact]
    public void Module_root_holds_the_cmdlets_and_the_shared_engine_and_no_other_assembly()
    {
        var assemblies = System.IO.Directory.EnumerateFiles(Root, "*.dll", SearchOption.AllDirectories)
            .Where(f => !f.StartsWith(Dependencies + Path.DirectorySeparatorChar, StringComparison.Ordinal))
            .Select(f => Path.GetRelativePath(Root, f)).Order(StringComparer.Ordinal).ToList();

        Assert.Equal(RootAssemblies.Select(a => a + ".dll").Order(StringComparer.Ordinal), assemblies);
    }

    [Fact]
    public void Root_assemblies_reference_only_the_framework_PowerShell_the_engine_and_the_isolated_providers()
    {
        foreach (var name in RootAssemblies)
        {
            foreach (var reference in References(Path.Combine(Root, name + ".dll")))
            {
                var allowed = IsFramework(reference.Name) || reference.Name is "System.Management.Automation" or "CloudStorage.Core"
                    || (name == "CloudStorage.PowerShell" && reference.Name == "CloudStorage.Providers");
                Assert.True(allowed, $"{name}.dll references {reference.Name} {reference.Version}: a third-party assembly in the module root is not isolated.");
            }
        }
    }

    [Fact]
    public void Dependencies_hold_the_providers_and_everything_they_reference_except_the_shared_engine()
    {
        Assert.True(File.Exists(Path.Combine(Dependencies, "CloudStorage.Providers.dll")), "Dependencies/CloudStorage.Providers.dll is missing.");
        var reached = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var pending = new Queue<string>(["CloudStorage.Providers"]);
        while (pending.TryDequeue(out var name))
        {
            if (!reached.Add(name)) continue;
            foreach (var reference in References(Path.Combine(Dependencies, name + ".dll")))
            {
                if (reference.Name == "CloudStorage.Core") continue;
                var path = Path.Combine(Dependencies, reference.Name + ".dll");
                // A framework assembly is shipped when a package needs a newer one than net8.0 has (System.Text.Json
                // for Azure.Core): then it is part of the closure too.
                if (IsFramework(reference.Name) && !File.Exists(path)) continue;
                Assert.True(File.Exists(path), $"{name} needs {reference.Name} {reference.Version}, which is not in Dependencies/.");
                var shipped = AssemblyName.GetAssemblyName(path).Version!;
                Assert.True(shipped >= reference.Version, $"{name} needs {reference.Name} {reference.Version}; Dependencies/ has {shipped}.");
                pending.Enqueue(reference.Name);
            }
        }
        // The SDKs are there (AWSSDK, Azure.Storage.Blobs on Azure.Core, Google.Cloud.Storage.V1 and what it stands on,
        // Polly) and nothing is there that nobody needs.
        Assert.Contains("AWSSDK.S3", reached);
        Assert.Contains("Azure.Storage.Blobs", reached);
        Assert.Contains("Azure.Storage.Common", reached);
        Assert.Contains("Azure.Core", reached);
        Assert.Contains("Polly.Core", reached);
        foreach (var google in new[] { "Google.Cloud.Storage.V1", "Google.Apis.Storage.v1", "Google.Api.Gax", "Google.Api.Gax.Rest",
                     "Google.Apis", "Google.Apis.Core", "Google.Apis.Auth", "Newtonsoft.Json" })
            Assert.Contains(google, reached);
        var shippedAssemblies = System.IO.Directory.GetFiles(Dependencies, "*.dll").Select(Path.GetFileNameWithoutExtension).ToList();
        // Azure.Core's package depends on Microsoft.Bcl.AsyncInterfaces for older frameworks; on net8.0 nothing
        // references it, but NuGet copies it along. Anything else nobody references should not ship.
        string[] packageExtras = ["Microsoft.Bcl.AsyncInterfaces"];
        Assert.DoesNotContain(shippedAssemblies, a => !reached.Contains(a!) && !packageExtras.Contains(a));
    }

    [Theory]
    [InlineData("CloudStorage.Core")]
    [InlineData("CloudStorage.PowerShell")]
    [InlineData("System.Management.Automation")]
    public void Shared_assemblies_are_not_in_Dependencies(string name)
    {
        // A private copy of the engine would make its types (StorageItem, IProviderFactory) different types.
        Assert.False(File.Exists(Path.Combine(Dependencies, name + ".dll")), $"Dependencies/{name}.dll must not exist.");
    }

    [Fact]
    public void The_cmdlet_assembly_touches_the_providers_only_through_one_never_inlined_method()
    {
        // Before the module initializer has installed the loader nothing may make the JIT resolve CloudStorage.Providers:
        // one call, to ProviderPack.RegisterAll, in one method of its own that is never inlined into a caller.
        using var stream = File.OpenRead(Path.Combine(Root, "CloudStorage.PowerShell.dll"));
        using var pe = new PEReader(stream);
        var md = pe.GetMetadataReader();
        var providersRef = md.AssemblyReferences.Single(h => md.GetString(md.GetAssemblyReference(h).Name) == "CloudStorage.Providers");
        var typeRefs = md.TypeReferences.Where(h => md.GetTypeReference(h).ResolutionScope == (EntityHandle)providersRef).ToList();
        // StorageResilienceOptions is named only by RegisterAll's signature (its optional parameter).
        Assert.Equal(["CloudStorage.Providers.ProviderPack", "CloudStorage.Providers.Resilience.StorageResilienceOptions"],
            typeRefs.Select(h => FullName(md, md.GetTypeReference(h))).Order(StringComparer.Ordinal));

        var memberRefs = md.MemberReferences.Where(h => md.GetMemberReference(h).Parent is { Kind: HandleKind.TypeReference } parent
            && typeRefs.Contains((TypeReferenceHandle)parent)).ToList();
        Assert.Equal(["RegisterAll"], memberRefs.Select(h => md.GetString(md.GetMemberReference(h).Name)));
        var token = MetadataTokens.GetToken(memberRefs[0]);
        var callers = new List<MethodDefinition>();
        foreach (var handle in md.MethodDefinitions)
        {
            var method = md.GetMethodDefinition(handle);
            if (method.RelativeVirtualAddress == 0) continue;
            var il = pe.GetMethodBody(method.RelativeVirtualAddress).GetILBytes()!;
            if (ContainsCall(il, token)) callers.Add(method);
        }
        var caller = Assert.Single(callers);
        Assert.Equal("ModuleServices.RegisterCloudProviders", md.GetString(md.GetTypeDefinition(caller.GetDeclaringType()).Name) + "." + md.GetString(caller.Name));
        Assert.True((caller.ImplAttributes & MethodImplAttributes.NoInlining) != 0, "RegisterCloudProviders must be [MethodImpl(NoInlining)].");
    }

    [Fact]
    public void The_module_initializer_is_a_public_class_of_the_root_assembly()
    {
        // PowerShell runs IModuleAssemblyInitializer/IModuleAssemblyCleanup implementations of the RootModule only.
        var type = CmdletMetadata.Assembly.GetType("CloudStorage.PowerShell.Loading.CloudStorageModuleInitializer");
        Assert.True(type is { IsPublic: true, IsAbstract: false }, "CloudStorageModuleInitializer is not a public class of CloudStorage.PowerShell.");
        var interfaces = type!.GetInterfaces().Select(i => i.FullName).ToList();
        Assert.Contains("System.Management.Automation.IModuleAssemblyInitializer", interfaces);
        Assert.Contains("System.Management.Automation.IModuleAssemblyCleanup", interfaces);
    }

    private static bool ContainsCall(byte[] il, int token)
    {
        // call / callvirt followed by the little-endian token; a false match would need these five bytes by chance.
        var bytes = BitConverter.GetBytes(token);
        for (var i = 0; i + 4 < il.Length; i++)
            if ((il[i] == 0x28 || il[i] == 0x6F) && il[i + 1] == bytes[0] && il[i + 2] == bytes[1] && il[i + 3] == bytes[2] && il[i + 4] == bytes[3])
                return true;
        return false;
    }

    private static string FullName(MetadataReader md, TypeReference type) => md.GetString(type.Namespace) + "." + md.GetString(type.Name);

    private static List<(string Name, Version Version)> References(string path)
    {
        using var stream = File.OpenRead(path);
        using var pe = new PEReader(stream);
        var md = pe.GetMetadataReader();
        return md.AssemblyReferences.Select(h => md.GetAssemblyReference(h)).Select(r => (md.GetString(r.Name), r.Version)).ToList();
    }

    private static bool IsFramework(string name) =>
        name is "netstandard" or "mscorlib" || File.Exists(Path.Combine(RuntimeEnvironment.GetRuntimeDirectory(), name + ".dll"));

    private static string Version()
    {
        var manifest = Manifest;
        var prerelease = manifest.GetString("Prerelease");
        return prerelease is null ? manifest.GetString("ModuleVersion")! : $"{manifest.GetString("ModuleVersion")}-{prerelease}";
    }
}
