using CloudStorage.PowerShell.Infrastructure;

namespace CloudStorage.PowerShell.Tests.Support;

/// <summary>Runs a humble cmdlet's logic once through a recording context: begin, process, end. Pipelines and binding are
/// tested in real PowerShell (tests/Pester).</summary>
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
