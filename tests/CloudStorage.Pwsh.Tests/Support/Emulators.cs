using System.Diagnostics;

namespace CloudStorage.Pwsh.Tests.Support;

/// <summary>
/// The three emulators of tests/emulators/emulators.sh (S3, Azurite, GCS), started once for the Pester suite on free
/// ports under a state directory of their own, and stopped afterwards. Their <c>env</c> output (endpoints, buckets and
/// development credentials) is what tests/Pester/CloudStorage.TestHelpers.ps1 reads to add the s3, azure and gcs stores.
/// An emulator that cannot start fails the suite with the script's message; it is never skipped.
/// </summary>
public sealed class Emulators : IAsyncLifetime
{
    private readonly string _stateDir = Path.Combine(Path.GetTempPath(), $"cloudstorage-pwsh-emulators-{Environment.ProcessId}-{Guid.NewGuid():N}");
    private bool _started;

    /// <summary>The variables of <c>emulators.sh env</c>, once started.</summary>
    public IReadOnlyDictionary<string, string> Variables { get; private set; } = new Dictionary<string, string>();

    /// <summary>Why the emulators are not running, when they are not.</summary>
    public string? StartError { get; private set; }

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(_stateDir);
        try
        {
            var (code, output) = await RunScriptAsync("start", TimeSpan.FromMinutes(10));
            _started = true;
            if (code != 0) { StartError = $"tests/emulators/emulators.sh start exited with {code}:\n{output}"; return; }
            var (envCode, env) = await RunScriptAsync("env", TimeSpan.FromSeconds(30));
            if (envCode != 0) { StartError = $"tests/emulators/emulators.sh env exited with {envCode}:\n{env}"; return; }
            Variables = env.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Where(l => l.StartsWith("export ", StringComparison.Ordinal))
                .Select(l => l["export ".Length..].Split('=', 2))
                .ToDictionary(p => p[0], p => p[1].Trim('\''));
        }
        catch (Exception e)
        {
            StartError = $"The emulators could not be started through tests/emulators/emulators.sh: {e}";
        }
    }

    public async Task DisposeAsync()
    {
        if (_started) await RunScriptAsync("stop", TimeSpan.FromSeconds(60));
        try { Directory.Delete(_stateDir, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    private async Task<(int Code, string Output)> RunScriptAsync(string command, TimeSpan timeout)
    {
        var start = new ProcessStartInfo("bash")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Path.Combine(Build.RepositoryRoot, "tests", "emulators", "emulators.sh"));
        start.ArgumentList.Add(command);
        start.Environment["EMULATOR_STATE_DIR"] = _stateDir;
        start.Environment["EMULATOR_OWNER_PID"] = Environment.ProcessId.ToString();
        foreach (var port in new[] { "S3_EMULATOR_PORT", "AZURITE_BLOB_PORT", "GCS_EMULATOR_PORT" }) start.Environment[port] = "0";
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(timeout);
        try { await process.WaitForExitAsync(cts.Token); }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            return (-1, $"timed out after {timeout}\n{await stdout}\n{await stderr}");
        }
        return (process.ExitCode, (await stdout) + (await stderr));
    }
}
