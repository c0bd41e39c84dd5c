using System.Diagnostics;
using System.Text;

namespace CloudStorage.Pwsh.Tests.Support;

/// <summary>The output of one pwsh process.</summary>
public sealed record PwshResult(int ExitCode, string Output, string Errors)
{
    public override string ToString() => $"pwsh exited with {ExitCode}.\n--- stdout\n{Output}\n--- stderr\n{Errors}";
}

/// <summary>
/// Runs a script in a new real pwsh process (the pinned PowerShell tool, started through the dotnet host as
/// <c>dotnet pwsh</c> does), with -NoProfile -NonInteractive, from the repository root. Inputs go in as environment
/// variables, so no quoting of paths into the script text is needed.
/// </summary>
public static class PwshProcess
{
    public static PwshResult Run(string script, IReadOnlyDictionary<string, string?>? environment = null, TimeSpan? timeout = null)
    {
        var dotnet = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet";
        var start = new ProcessStartInfo(dotnet)
        {
            WorkingDirectory = Build.RepositoryRoot,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        start.ArgumentList.Add(Build.PwshShim);
        foreach (var arg in new[] { "-NoProfile", "-NonInteractive", "-OutputFormat", "Text", "-EncodedCommand" }) start.ArgumentList.Add(arg);
        start.ArgumentList.Add(Convert.ToBase64String(Encoding.Unicode.GetBytes(script)));
        // No colours or progress in captured output; no telemetry or update checks from a test.
        start.Environment["NO_COLOR"] = "1";
        start.Environment["TERM"] = "dumb";
        start.Environment["POWERSHELL_TELEMETRY_OPTOUT"] = "1";
        start.Environment["POWERSHELL_UPDATECHECK"] = "Off";
        if (environment is not null)
            foreach (var (name, value) in environment)
                if (value is null) start.Environment.Remove(name);
                else start.Environment[name] = value;

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{dotnet} could not be started.");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        var limit = timeout ?? TimeSpan.FromMinutes(5);
        if (!process.WaitForExit(limit))
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
            Assert.Fail($"pwsh did not finish within {limit}.\n--- stdout\n{stdout.Result}\n--- stderr\n{stderr.Result}");
        }
        process.WaitForExit();
        return new PwshResult(process.ExitCode, stdout.Result, stderr.Result);
    }
}
