using System.Diagnostics;
using CloudStorage.Core.Addressing;
using CloudStorage.Core.Providers;
using CloudStorage.Core.Transfer;
using CloudStorage.Providers;

namespace CloudStorage.Benchmarks;

/// <summary>
/// Upload and download of one object through one of the project's emulators (tests/emulators/emulators.sh, started on
/// a free port with a private state directory) by the engine and, with <c>--peers</c>, by peer tools with their
/// default settings, in the same run. The emulator is the common bottleneck, so the figures compare the clients, not
/// the cloud. Every upload is checked by the engine's provider (the object exists with the source's length) and every
/// download against the source length; a peer that fails or whose result is wrong is reported as not measured.
/// </summary>
internal abstract class EmulatorBenchmark
{
    /// <summary>A peer tool: <c>Exe Command "from" "to"</c> copies one way; <see cref="Remote"/> names an object for it.</summary>
    protected sealed record Peer(string Tool, string Exe, string Command, Func<string, string> Remote, IReadOnlyDictionary<string, string> Environment);

    /// <summary>The emulator's name for emulators.sh (s3, azure, gcs).</summary>
    protected abstract string Emulator { get; }

    /// <summary>The variable emulators.sh reads the emulator's port from (0: a free port).</summary>
    protected abstract string PortVariable { get; }

    /// <summary>Registers <c>bench</c> in <paramref name="registry"/> (whose factories are the provider pack's) at the emulator's bucket or container.</summary>
    protected abstract void RegisterTarget(ProviderRegistry registry, IReadOnlyDictionary<string, string> env);

    /// <summary>The peers measured with <c>--peers</c>.</summary>
    protected abstract IEnumerable<Peer> Peers(IReadOnlyDictionary<string, string> env);

    /// <summary>The benchmark for a mode (s3, azure, gcs), or null.</summary>
    public static EmulatorBenchmark? ForMode(string mode) => mode switch
    {
        "s3" => new S3Benchmark(),
        "azure" => new AzureBenchmark(),
        "gcs" => new GcsBenchmark(),
        _ => null,
    };

    public async Task<int> RunAsync(List<string> argv)
    {
        long sizeMiB = Option(argv, "--size-mib") is { } s ? long.Parse(s) : 256;
        var bytes = sizeMiB << 20;
        var peers = argv.Contains("--peers");
        var root = Option(argv, "--dir") ?? Path.Combine(Path.GetTempPath(), $"cloudstorage-{Emulator}-bench-{Environment.ProcessId}");
        var stateDir = Path.Combine(root, "emulator");
        Directory.CreateDirectory(stateDir);
        var script = Path.Combine(RepositoryRoot(), "tests", "emulators", "emulators.sh");
        try
        {
            var (code, output) = Script(script, stateDir, "start");
            if (code != 0) { Console.Error.WriteLine($"the {Emulator} emulator did not start:\n" + output); return 1; }
            var env = Script(script, stateDir, "env").Output.Split('\n')
                .Where(l => l.StartsWith("export ", StringComparison.Ordinal))
                .Select(l => l["export ".Length..].Split('=', 2)).ToDictionary(p => p[0], p => p[1].Trim('\''));
            // As after `eval "$(emulators.sh env)"`: the endpoints and the emulator's development credentials (not
            // secrets), where the providers' standard credential chains look for them.
            foreach (var (name, value) in env) Environment.SetEnvironmentVariable(name, value);

            var source = Path.Combine(root, "source.bin");
            Bench.WriteSource(source, bytes);
            var registry = new ProviderRegistry();
            ProviderPack.RegisterAll(registry);
            RegisterTarget(registry, env);
            var engine = new TransferEngine();
            var baseline = Bench.PeakRssKiB();

            var clock = Stopwatch.StartNew();
            var up = await engine.CopyAsync(registry.Resolve(source), registry.Resolve("bench:engine.bin"), new CopyRequest { Overwrite = true });
            clock.Stop();
            Check("engine upload", up.Size, bytes);
            Check("engine upload (stat)", await StoredSize(registry, "engine.bin") ?? -1, bytes);
            Bench.Report("cloudstorage-engine-upload", clock.Elapsed, sizeMiB, Bench.PeakRssKiB(), baseline);

            // The download runs in a new process of this program, so its peak is the download's own, not the upload's
            // (whose memory the runtime keeps after a collection).
            var back = Path.Combine(root, "engine.back");
            var child = await DownloadInChildAsync(back, sizeMiB);
            if (child != 0) return child;
            Check("engine download", new FileInfo(back).Length, bytes);
            File.Delete(back);

            if (peers)
                foreach (var peer in Peers(env))
                    await RunPeerAsync(peer, registry, source, root, sizeMiB);
            return 0;
        }
        finally
        {
            Script(script, stateDir, "stop");
            try { Directory.Delete(root, recursive: true); } catch (IOException) { }
        }
    }

    /// <summary>
    /// <c>download-child MODE SIZE_MIB PATH</c>: downloads <c>engine.bin</c> from the emulator whose environment this
    /// process inherited and reports it; the peak resident set is this process's.
    /// </summary>
    public async Task<int> DownloadChildAsync(List<string> argv)
    {
        var sizeMiB = long.Parse(argv[2]);
        var back = argv[3];
        var env = Environment.GetEnvironmentVariables().Cast<System.Collections.DictionaryEntry>()
            .ToDictionary(e => (string)e.Key, e => (string?)e.Value ?? "");
        var registry = new ProviderRegistry();
        ProviderPack.RegisterAll(registry);
        RegisterTarget(registry, env);
        var engine = new TransferEngine();
        var baseline = Bench.PeakRssKiB();
        var clock = Stopwatch.StartNew();
        await engine.CopyAsync(registry.Resolve("bench:engine.bin"), registry.Resolve(back), new CopyRequest { Overwrite = true });
        clock.Stop();
        Check("engine download", new FileInfo(back).Length, sizeMiB << 20);
        Bench.Report("cloudstorage-engine-download", clock.Elapsed, sizeMiB, Bench.PeakRssKiB(), baseline);
        return 0;
    }

    private async Task<int> DownloadInChildAsync(string back, long sizeMiB)
    {
        var psi = new ProcessStartInfo("dotnet", [typeof(EmulatorBenchmark).Assembly.Location, "download-child", Emulator, sizeMiB.ToString(), back])
            { RedirectStandardOutput = true, RedirectStandardError = true };
        using var p = Process.Start(psi)!;
        var stderr = p.StandardError.ReadToEndAsync();
        var stdout = await p.StandardOutput.ReadToEndAsync();
        await p.WaitForExitAsync();
        Console.Write(stdout);
        if (p.ExitCode != 0) Console.Error.WriteLine($"the download (a child process) failed with exit {p.ExitCode}: {await stderr}");
        return p.ExitCode;
    }

    /// <summary>
    /// The peer uploads the source, then downloads its own object, or the engine's when its upload failed (so that
    /// a download is measured even where the peer cannot upload to the emulator). Its objects are removed afterwards
    /// so the emulator holds at most two at a time.
    /// </summary>
    private static async Task RunPeerAsync(Peer peer, ProviderRegistry registry, string source, string root, long sizeMiB)
    {
        var bytes = sizeMiB << 20;
        var name = peer.Tool + ".bin";
        var uploaded = await Bench.RunPeerAsync(peer.Tool + "-upload", peer.Exe, $"{peer.Command} \"{source}\" \"{peer.Remote(name)}\"", sizeMiB, peer.Environment,
            async () => await StoredSize(registry, name) is { } size && size == bytes ? null : $"the object {name} is missing or has the wrong length after the upload");
        var from = uploaded ? name : "engine.bin";
        if (!uploaded) Console.Error.WriteLine($"{peer.Tool}-download reads the engine's object {from}, the peer's upload having failed");
        var back = Path.Combine(root, peer.Tool + ".back");
        await Bench.RunPeerAsync(peer.Tool + "-download", peer.Exe, $"{peer.Command} \"{peer.Remote(from)}\" \"{back}\"", sizeMiB, peer.Environment,
            () => Task.FromResult(File.Exists(back) && new FileInfo(back).Length == bytes ? null
                : $"downloaded {(File.Exists(back) ? new FileInfo(back).Length : 0)} bytes, expected {bytes}"));
        File.Delete(back);
        var location = registry.Resolve("bench:" + name);
        if (await StoredSize(registry, name) is not null) await location.Provider.DeleteAsync(location.Key);
    }

    /// <summary>The length of the object <paramref name="name"/> at <c>bench:</c> as the engine's provider sees it, or null when it is missing.</summary>
    private static async Task<long?> StoredSize(ProviderRegistry registry, string name)
    {
        var location = registry.Resolve("bench:" + name);
        return (await location.Provider.StatAsync(location.Key))?.Size;
    }

    private static void Check(string what, long actual, long expected)
    {
        if (actual != expected) throw new InvalidOperationException($"{what}: {actual} bytes, expected {expected}");
    }

    private (int Code, string Output) Script(string script, string stateDir, string command)
    {
        var psi = new ProcessStartInfo("bash", [script, command, Emulator]) { RedirectStandardOutput = true, RedirectStandardError = true };
        psi.Environment["EMULATOR_STATE_DIR"] = stateDir;
        psi.Environment[PortVariable] = "0";
        psi.Environment["EMULATOR_OWNER_PID"] = Environment.ProcessId.ToString();
        using var p = Process.Start(psi)!;
        var stderr = p.StandardError.ReadToEndAsync();
        var stdout = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        return (p.ExitCode, stdout + stderr.Result);
    }

    private static string RepositoryRoot()
    {
        foreach (var start in new[] { AppContext.BaseDirectory, Directory.GetCurrentDirectory() })
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
                if (File.Exists(Path.Combine(dir.FullName, "StoragePs.sln"))) return dir.FullName;
        throw new InvalidOperationException("StoragePs.sln not found: run from the repository");
    }

    private static string? Option(List<string> argv, string name)
    {
        var i = argv.IndexOf(name);
        return i >= 0 && i + 1 < argv.Count ? argv[i + 1] : null;
    }
}
