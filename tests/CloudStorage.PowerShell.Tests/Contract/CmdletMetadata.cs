using System.Reflection;
using System.Runtime.InteropServices;

namespace CloudStorage.Tests.PowerShell.Contract;

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

    private static object? Unwrap(CustomAttributeTypedArgument arg) =>
        arg.Value is IReadOnlyCollection<CustomAttributeTypedArgument> items ? items.Select(i => i.Value).ToArray() : arg.Value;

    private static (MetadataLoadContext, Assembly) Load()
    {
        var output = AppContext.BaseDirectory;
        var paths = Directory.GetFiles(RuntimeEnvironment.GetRuntimeDirectory(), "*.dll")
            .Concat(new[] { "CloudStorage.PowerShell.dll", "CloudStorage.Core.dll", "System.Management.Automation.dll" }.Select(f => Path.Combine(output, f)));
        var context = new MetadataLoadContext(new PathAssemblyResolver(paths), "System.Private.CoreLib");
        return (context, context.LoadFromAssemblyPath(Path.Combine(output, "CloudStorage.PowerShell.dll")));
    }
}
