using CloudStorage.PowerShell.Infrastructure;

namespace CloudStorage.Tests.PowerShell.Support;

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

/// <summary>Switches for tests: the reference System.Management.Automation makes every SwitchParameter read as absent.</summary>
public static class SwitchExtensions
{
    public static T With<T>(this T cmdlet, params string[] switches) where T : StorageCmdletBase
    {
        foreach (var name in switches)
        {
            if (typeof(T).GetProperty(name)?.PropertyType != typeof(System.Management.Automation.SwitchParameter))
                throw new ArgumentException($"{typeof(T).Name} has no switch -{name}.", nameof(switches));
            cmdlet.SetSwitch(name, true);
        }
        return cmdlet;
    }
}
