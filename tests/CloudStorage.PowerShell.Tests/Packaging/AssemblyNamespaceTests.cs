using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using CloudStorage.PowerShell.Loading;
using CloudStorage.Providers;

namespace CloudStorage.PowerShell.Tests.Packaging;

/// <summary>
/// Namespaces follow assemblies: every type of CloudStorage.X lives in namespace CloudStorage.X or below it, so a type's
/// name says which assembly (and so which load context) it comes from, and no namespace spans two assemblies. Read from
/// the files' metadata: loading the types would load the cloud SDKs into this process's default context.
/// </summary>
public sealed class AssemblyNamespaceTests
{
    private static readonly string[] Files =
        [typeof(Core.Model.StorageItem).Assembly.Location, typeof(ProviderPack).Assembly.Location, typeof(ModuleLoader).Assembly.Location];

    public static IEnumerable<object[]> Assemblies => Files.Select(f => new object[] { Path.GetFileNameWithoutExtension(f) });

    [Theory]
    [MemberData(nameof(Assemblies))]
    public void Every_type_lives_under_its_assemblys_name(string assemblyName)
    {
        var namespaces = TopLevelTypes(Files.Single(f => Path.GetFileNameWithoutExtension(f) == assemblyName)).ToList();
        Assert.NotEmpty(namespaces);

        var strays = namespaces.Where(t => t.Namespace != assemblyName && !t.Namespace.StartsWith(assemblyName + ".", StringComparison.Ordinal))
            .Select(t => t.Namespace + "." + t.Name).Order(StringComparer.Ordinal).ToList();

        Assert.Empty(strays);
    }

    [Fact]
    public void No_namespace_spans_two_of_our_assemblies()
    {
        var spanning = Files
            .SelectMany(f => TopLevelTypes(f).Select(t => (t.Namespace, Assembly: Path.GetFileNameWithoutExtension(f))))
            .Where(p => p.Namespace.StartsWith("CloudStorage", StringComparison.Ordinal))
            .Distinct()
            .GroupBy(p => p.Namespace)
            .Where(g => g.Count() > 1)
            .Select(g => $"{g.Key}: {string.Join(", ", g.Select(p => p.Assembly))}")
            .ToList();

        Assert.Empty(spanning);
    }

    // The assembly's own top-level types with a namespace; what the compiler or a source generator adds is left out.
    private static IEnumerable<(string Namespace, string Name)> TopLevelTypes(string file)
    {
        using var pe = new PEReader(File.OpenRead(file));
        var md = pe.GetMetadataReader();
        var found = new List<(string, string)>();
        foreach (var handle in md.TypeDefinitions)
        {
            var type = md.GetTypeDefinition(handle);
            if (type.IsNested || type.Namespace.IsNil) continue;
            var name = md.GetString(type.Name);
            if (name.StartsWith('<')) continue;
            if (type.GetCustomAttributes().Select(a => AttributeName(md, md.GetCustomAttribute(a)))
                .Any(n => n is "CompilerGeneratedAttribute" or "GeneratedCodeAttribute" or "EmbeddedAttribute")) continue;
            found.Add((md.GetString(type.Namespace), name));
        }
        return found;
    }

    private static string? AttributeName(MetadataReader md, CustomAttribute attribute)
    {
        if (attribute.Constructor.Kind != HandleKind.MemberReference) return null;
        var parent = md.GetMemberReference((MemberReferenceHandle)attribute.Constructor).Parent;
        return parent.Kind == HandleKind.TypeReference ? md.GetString(md.GetTypeReference((TypeReferenceHandle)parent).Name) : null;
    }
}
