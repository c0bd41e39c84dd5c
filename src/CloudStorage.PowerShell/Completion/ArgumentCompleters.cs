using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;
using System.Management.Automation.Runspaces;
using CloudStorage.Core.Addressing;
using CloudStorage.PowerShell.Infrastructure;

namespace CloudStorage.PowerShell.Completion;

/// <summary>
/// Tab completion for address parameters (-Uri, -Source, -Destination, -Reference): schemes, provider names and one
/// listing level of keys. Only adapts <see cref="AddressCompleter"/> (tested without PowerShell) to CompletionResult.
/// </summary>
public sealed class AddressArgumentCompleter : IArgumentCompleter
{
    /// <inheritdoc />
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        CommandAst commandAst, IDictionary fakeBoundParameters) =>
        new AddressCompleter(ModuleServices.Registry, SessionCurrentDirectory, SessionFolder).Complete(wordToComplete).Select(ToResult).ToList();

    internal static CompletionResult ToResult(AddressCompletion completion) =>
        new(completion.CompletionText, completion.ListItemText,
            completion.Kind is AddressCompletionKind.Object ? CompletionResultType.ParameterValue : CompletionResultType.ProviderContainer,
            completion.ToolTip);

    /// <summary>
    /// The file-system folder a typed folder names in this session (<c>~/</c>, <c>Temp:/</c>, <c>./sub/</c> after
    /// Set-Location), or null when it names none.
    /// </summary>
    internal static string? SessionFolder(string folder)
    {
        try
        {
            if (Runspace.DefaultRunspace is null) return null;
            // A nested pipeline on the current runspace, for the reason SessionCurrentDirectory gives.
            using var ps = System.Management.Automation.PowerShell.Create(RunspaceMode.CurrentRunspace);
            ps.AddCommand("Microsoft.PowerShell.Management\\Resolve-Path").AddParameter("LiteralPath", folder).AddParameter("ErrorAction", "Ignore");
            foreach (var result in ps.Invoke())
                if (result?.BaseObject is PathInfo { Provider.Name: "FileSystem", ProviderPath: { Length: > 0 } path }) return path;
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // No session to ask, or the path names nothing: no local completions.
        }
        return null;
    }

    /// <summary>The session's current file-system folder (what relative local paths mean), else the process's.</summary>
    internal static string SessionCurrentDirectory()
    {
        // Completion runs inside the session's own pipeline (TabExpansion2), where SessionStateProxy refuses to answer
        // ("a pipeline is already running"); a nested pipeline on the current runspace may ask.
        try
        {
            if (Runspace.DefaultRunspace is not null)
            {
                using var ps = System.Management.Automation.PowerShell.Create(RunspaceMode.CurrentRunspace);
                ps.AddCommand("Microsoft.PowerShell.Management\\Get-Location").AddParameter("PSProvider", "FileSystem");
                foreach (var result in ps.Invoke())
                    if (result?.BaseObject is PathInfo { ProviderPath: { Length: > 0 } path }) return path;
            }
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // No runspace on this thread, or a host without a file-system location.
        }
        try
        {
            var path = Runspace.DefaultRunspace?.SessionStateProxy?.Path?.CurrentFileSystemLocation?.ProviderPath;
            if (!string.IsNullOrEmpty(path)) return path;
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // As above.
        }
        return Directory.GetCurrentDirectory();
    }
}

/// <summary>Tab completion for -Name of Get-/Unregister-StorageRemote: the registered provider names.</summary>
public sealed class ProviderNameArgumentCompleter : IArgumentCompleter
{
    /// <inheritdoc />
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        CommandAst commandAst, IDictionary fakeBoundParameters) =>
        new AddressCompleter(ModuleServices.Registry).CompleteProviderNames(wordToComplete)
            .Select(c => new CompletionResult(c.CompletionText, c.ListItemText, CompletionResultType.ParameterValue, c.ToolTip))
            .ToList();
}
