using System.Diagnostics;

namespace CloudStorage.Providers.Tests.Emulator;

/// <summary>
/// One emulator of tests/emulators/emulators.sh (<c>s3</c>, <c>azure</c> or <c>gcs</c>), started for a test collection:
/// the script installs it from npm on first use (pinned versions), binds a free port on 127.0.0.1 under a state
/// directory of this fixture's own, prints its endpoint and development credentials through <c>env</c>, and stops
/// exactly that emulator afterwards. An emulator that cannot start fails every test that needs it with the script's
/// message (<see cref="EnsureStarted"/>): there is no silent skip, in CI or outside it.
/// </summary>
public abstract class EmulatorFixture : IAsyncLifetime
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromMinutes(10);
    private readonly string _stateDir;
    private string? _startError;
    private bool _started;

    /// <param name="name">The script's name for the emulator: <c>s3</c>, <c>azure</c> or <c>gcs</c>.</param>
    /// <param name="portVariable">The script's port variable, set to 0 so that a free port is picked.</param>
    protected EmulatorFixture(string name, string portVariable)
    {
        Name = name;
        PortVariable = portVariable;
        _stateDir = Path.Combine(Path.GetTempPath(), $"cloudstorage-{name}-emulator-{System.Environment.ProcessId}-{Guid.NewGuid():N}");
    }

    /// <summary>The script's name for the emulator.</summary>
    public string Name { get; }

    private string PortVariable { get; }

    /// <summary>The variables the script's <c>env</c> printed (endpoint, development credentials).</summary>
    protected IReadOnlyDictionary<string, string> Environment { get; private set; } = new Dictionary<string, string>();

    private static string Script => Path.Combine(
        CloudStorage.PowerShell.Tests.Contract.ManifestTests.RepositoryRoot()
            ?? throw new InvalidOperationException("StoragePs.sln not found above " + AppContext.BaseDirectory),
        "tests", "emulators", "emulators.sh");

    /// <summary>Reads the emulator's settings from the variables of <c>env</c>; called once it is running.</summary>
    protected abstract void Configure(IReadOnlyDictionary<string, string> environment);

    /// <summary>Extra set-up once the emulator runs and is configured (nothing by default).</summary>
    protected virtual Task OnStartedAsync() => Task.CompletedTask;

    public async Task InitializeAsync()
    {
        try
        {
            var (code, output) = await RunScriptAsync("start", StartTimeout);
            if (code != 0)
            {
                _startError = $"tests/emulators/emulators.sh start {Name} exited with {code}:\n{output}";
                return;
            }
            _started = true;
            var (envCode, env) = await RunScriptAsync("env", TimeSpan.FromSeconds(30));
            if (envCode != 0)
            {
                _startError = $"tests/emulators/emulators.sh env {Name} exited with {envCode}:\n{env}";
                return;
            }
            Environment = env.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Where(l => l.StartsWith("export ", StringComparison.Ordinal))
                .Select(l => l["export ".Length..].Split('=', 2))
                .ToDictionary(p => p[0], p => p[1].Trim('\''));
            Configure(Environment);
            await OnStartedAsync();
        }
        catch (Exception e)
        {
            _startError = $"The {Name} emulator could not be started through tests/emulators/emulators.sh: {e}";
        }
    }

    public async Task DisposeAsync()
    {
        if (_started) await RunScriptAsync("stop", TimeSpan.FromSeconds(60));
        try { Directory.Delete(_stateDir, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    /// <summary>True when the emulator started (for best-effort clean-up that must not fail a test).</summary>
    public bool Started => _startError is null && _started;

    /// <summary>Fails the calling test with the emulator's start-up error, when there was one.</summary>
    public void EnsureStarted()
    {
        if (_startError is not null)
            Assert.Fail($"The {Name} emulator is required for this test and did not start (Node.js >= 20 and npm with access to " +
                        "the npm registry are needed; see tests/emulators/emulators.sh).\n" + _startError);
    }

    private async Task<(int ExitCode, string Output)> RunScriptAsync(string command, TimeSpan timeout)
    {
        var start = new ProcessStartInfo("bash", [Script, command, Name])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.Environment["EMULATOR_STATE_DIR"] = _stateDir;
        start.Environment[PortVariable] = "0";
        // Should this process die without disposing the fixture, the script's watchdog stops the emulator.
        start.Environment["EMULATOR_OWNER_PID"] = System.Environment.ProcessId.ToString();
        using var process = Process.Start(start) ?? throw new InvalidOperationException("bash could not be started");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            return (-1, $"timed out after {timeout}\n{await stdout}\n{await stderr}");
        }
        return (process.ExitCode, (await stdout) + (await stderr));
    }
}
