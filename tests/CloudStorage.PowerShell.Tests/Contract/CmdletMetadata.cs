using System.Reflection;
using System.Runtime.InteropServices;

namespace CloudStorage.PowerShell.Tests.Contract;

/// <summary>
/// The cmdlet assembly loaded for inspection only (MetadataLoadContext), so attributes are read as data: the
/// PowerShellStandard reference assembly gives empty attribute instances, but its constructor and named
/// arguments are all in the metadata.
/// </summary>
public static class CmdletMetadata
{
    private static readonly Lazy<(MetadataLoadContext Context, Assembly Assembly)> Loaded = new(Load);

    public static Assembly Assembly => Loaded.Value.Assembly;

    public static IReadOnlyList<Type> CmdletTypes => Assembly.GetTypes()
        .Where(t => t.GetCustomAttributesData().Any(a => a.AttributeType.FullName == "System.Management.Automation.CmdletAttribute"))
        .OrderBy(t => t.Name).ToList();

    public static Type Type(string fullName) =>
        Loaded.Value.Context.LoadFromAssemblyName(fullName.StartsWith("CloudStorage.PowerShell", StringComparison.Ordinal) ? "CloudStorage.PowerShell" : "CloudStorage.Core")
            .GetType(fullName, throwOnError: true)!;

    public static Type SystemType(string fullName) => Loaded.Value.Context.CoreAssembly!.GetType(fullName, throwOnError: true)!;

    public static CustomAttributeData? Attribute(this MemberInfo member, string name) =>
        member.GetCustomAttributesData().FirstOrDefault(a => a.AttributeType.Name == name);

    public static IEnumerable<CustomAttributeData> Attributes(this MemberInfo member, string name) =>
        member.GetCustomAttributesData().Where(a => a.AttributeType.Name == name);

    public static object? Named(this CustomAttributeData attribute, string name)
    {
        foreach (var argument in attribute.NamedArguments)
            if (argument.MemberName == name) return Unwrap(argument.TypedValue);
        return null;
    }

    public static IEnumerable<string> Aliases(this PropertyInfo property) =>
        property.Attributes("AliasAttribute").SelectMany(a => a.ConstructorArguments)
            .SelectMany(arg => arg.Value is IReadOnlyCollection<CustomAttributeTypedArgument> values ? values.Select(v => (string)v.Value!) : [(string)arg.Value!]);

    public static (string Verb, string Noun) CmdletName(this Type type)
    {
        var cmdlet = type.Attribute("CmdletAttribute")!;
        return ((string)cmdlet.ConstructorArguments[0].Value!, (string)cmdlet.ConstructorArguments[1].Value!);
    }

    /// <summary>Every [Parameter] of a cmdlet: (property, attribute data) — one entry per attribute (per parameter set).</summary>
    public static IEnumerable<(PropertyInfo Property, CustomAttributeData Parameter)> Parameters(this Type type) =>
        type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .SelectMany(p => p.Attributes("ParameterAttribute").Select(a => (p, a)));

    /// <summary>The name PowerShell gives the parameters that belong to every set, and the only set of a cmdlet with none.</summary>
    public const string AllParameterSets = "__AllParameterSets";

    /// <summary>
    /// The cmdlet's parameter sets as PowerShell builds them: each named set holds its own parameters plus those of
    /// every set; a cmdlet without named sets has the one set <see cref="AllParameterSets"/>. Default set first.
    /// </summary>
    public static IReadOnlyList<ParameterSet> ParameterSets(this Type type)
    {
        var all = type.Parameters().ToList();
        string SetOf(CustomAttributeData p) => p.Named("ParameterSetName") as string ?? AllParameterSets;
        var names = all.Select(p => SetOf(p.Parameter)).Where(n => n != AllParameterSets).Distinct().ToList();
        if (names.Count == 0) names.Add(AllParameterSets);
        var defaultSet = type.Attribute("CmdletAttribute")!.Named("DefaultParameterSetName") as string;
        return names
            .OrderBy(n => n == defaultSet ? 0 : 1)
            .Select(name => new ParameterSet(name, all
                .Where(p => SetOf(p.Parameter) == name || SetOf(p.Parameter) == AllParameterSets)
                .Select(p => new SetParameter(p.Property.Name, p.Parameter.Named("Mandatory") is true, p.Parameter.Named("Position") as int?,
                    p.Parameter.Named("ValueFromPipeline") is true || p.Parameter.Named("ValueFromPipelineByPropertyName") is true,
                    SetOf(p.Parameter) == AllParameterSets))
                .ToList()))
            .ToList();
    }

    private static object? Unwrap(CustomAttributeTypedArgument arg) =>
        arg.Value is IReadOnlyCollection<CustomAttributeTypedArgument> items ? items.Select(i => i.Value).ToArray() : arg.Value;

    private static (MetadataLoadContext, Assembly) Load()
    {
        var output = AppContext.BaseDirectory;
        var paths = Directory.GetFiles(RuntimeEnvironment.GetRuntimeDirectory(), "*.dll")
            .Concat(new[] { "CloudStorage.PowerShell.dll", "CloudStorage.Core.dll" }.Select(f => Path.Combine(output, f)))
            .Append(typeof(System.Management.Automation.Cmdlet).Assembly.Location); // the SDK's, under runtimes/<os>/
        var context = new MetadataLoadContext(new PathAssemblyResolver(paths), "System.Private.CoreLib");
        return (context, context.LoadFromAssemblyPath(Path.Combine(output, "CloudStorage.PowerShell.dll")));
    }
}

/// <summary>One parameter set of a cmdlet and the parameters in it.</summary>
public sealed record ParameterSet(string Name, IReadOnlyList<SetParameter> Parameters)
{
    /// <summary>
    /// The parameters a call must name to be in this set: mandatory, of this set only, neither positional nor bound
    /// from the pipeline (so <c>-AsString</c>, <c>-Value</c>; none for a set entered by position or pipeline).
    /// </summary>
    public IEnumerable<string> NamedSelectors => Parameters.Where(p => p.Mandatory && !p.InAllSets && p.Position is null && !p.FromPipeline).Select(p => p.Name);
}

/// <summary>A parameter as it is in one set.</summary>
public sealed record SetParameter(string Name, bool Mandatory, int? Position, bool FromPipeline, bool InAllSets);
