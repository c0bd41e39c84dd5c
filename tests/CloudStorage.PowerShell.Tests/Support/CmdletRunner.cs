using System.Reflection;
using CloudStorage.PowerShell.Infrastructure;

namespace CloudStorage.Tests.PowerShell.Support;

/// <summary>Runs cmdlets the way the pipeline does: begin, one process per input, end.</summary>
public static class CmdletRunner
{
    /// <summary>Runs the cmdlet once with its parameters as set.</summary>
    public static RecordingContext Invoke(this StorageCmdletBase cmdlet, RecordingContext context)
    {
        cmdlet.BeginProcessingWith(context);
        cmdlet.ProcessRecordWith(context);
        cmdlet.EndProcessingWith(context);
        return context;
    }

    /// <summary>
    /// Feeds objects to the cmdlet as pipeline input, binding by property name as PowerShell does: each input's
    /// property whose name is a ValueFromPipelineByPropertyName parameter's name or alias is bound to it (strings
    /// also bind ValueFromPipeline parameters). The parameters are read from attribute data, so this exercises the
    /// real declarations.
    /// </summary>
    public static RecordingContext Pipe(this StorageCmdletBase cmdlet, RecordingContext context, IEnumerable<object?> inputs)
    {
        cmdlet.BeginProcessingWith(context);
        foreach (var input in inputs.ToList())
        {
            if (!PipelineBinder.Bind(cmdlet, input))
                throw new InvalidOperationException($"PowerShell could not bind a {input?.GetType().Name} to {cmdlet.GetType().Name}.");
            cmdlet.ProcessRecordWith(context);
        }
        cmdlet.EndProcessingWith(context);
        return context;
    }
}

/// <summary>A small model of PowerShell's pipeline parameter binding, reading [Parameter] and [Alias] as data.</summary>
public static class PipelineBinder
{
    public static bool Bind(object cmdlet, object? input)
    {
        if (input is null) return false;
        var bound = false;
        var parameters = cmdlet.GetType().GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Select(p => (Property: p, Data: p.GetCustomAttributesData()))
            .Where(p => p.Data.Any(IsParameter)).ToList();

        // 1. The input itself, when it is a string and a parameter takes pipeline values.
        if (input is string text)
        {
            foreach (var (property, data) in parameters)
                if (data.Any(a => IsParameter(a) && Named(a, "ValueFromPipeline")) && TrySet(cmdlet, property, text)) return true;
        }

        // 2. By property name (or alias).
        foreach (var (property, data) in parameters)
        {
            if (!data.Any(a => IsParameter(a) && Named(a, "ValueFromPipelineByPropertyName"))) continue;
            var names = new List<string> { property.Name };
            foreach (var alias in data.Where(a => a.AttributeType.Name == "AliasAttribute"))
                foreach (var arg in alias.ConstructorArguments)
                    if (arg.Value is IReadOnlyCollection<CustomAttributeTypedArgument> values)
                        names.AddRange(values.Select(v => (string)v.Value!));
            foreach (var name in names)
            {
                var source = input.GetType().GetProperty(name, BindingFlags.Public | BindingFlags.Instance | BindingFlags.IgnoreCase);
                if (source?.GetValue(input) is { } value && TrySet(cmdlet, property, value)) { bound = true; break; }
            }
        }
        return bound;
    }

    private static bool IsParameter(CustomAttributeData a) => a.AttributeType.Name == "ParameterAttribute";

    private static bool Named(CustomAttributeData a, string name) =>
        a.NamedArguments.Any(n => n.MemberName == name && n.TypedValue.Value is true);

    private static bool TrySet(object cmdlet, PropertyInfo property, object value)
    {
        var text = value as string ?? (value is System.Uri u ? u.ToString() : null);
        if (text is null) return false;
        if (property.PropertyType == typeof(string)) property.SetValue(cmdlet, text);
        else if (property.PropertyType == typeof(string[])) property.SetValue(cmdlet, new[] { text });
        else return false;
        return true;
    }
}

/// <summary>Switches for tests, set through the cmdlet's own SwitchParameter properties (as PowerShell's binder does).</summary>
public static class SwitchExtensions
{
    public static T With<T>(this T cmdlet, params string[] switches) where T : StorageCmdletBase
    {
        foreach (var name in switches)
        {
            var property = typeof(T).GetProperty(name);
            if (property?.PropertyType != typeof(System.Management.Automation.SwitchParameter))
                throw new ArgumentException($"{typeof(T).Name} has no switch -{name}.", nameof(switches));
            property.SetValue(cmdlet, new System.Management.Automation.SwitchParameter(true));
        }
        return cmdlet;
    }
}
