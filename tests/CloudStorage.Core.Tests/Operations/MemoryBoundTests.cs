using System.Diagnostics;
using System.Reflection;
using System.Text.Json;

namespace CloudStorage.Core.Tests.Operations;

/// <summary>
/// Measures, not assumes, that streaming keeps memory flat: a 1 GiB local-to-local copy through the engine runs in a
/// child process (the benchmark program) so the figure is that copy's own peak resident set, not the test host's.
/// </summary>
public class MemoryBoundTests
{
    private const double LimitMiB = 150;

    [Fact]
    public void Copying_1GiB_local_to_local_through_the_engine_keeps_peak_memory_under_150MiB()
    {
        if (!File.Exists("/proc/self/status")) return; // VmHWM is Linux's; CI and the dev machines are Linux
        var result = RunBenchmark("copy-local --size-mib 1024 --streaming");
        Assert.Equal("cloudstorage-engine-streaming", result.GetProperty("tool").GetString());
        Assert.Equal(1024, result.GetProperty("sizeMiB").GetInt32());
        var peak = result.GetProperty("peakRssMiB").GetDouble();
        Assert.InRange(peak, 1, LimitMiB);
    }

    [Fact]
    public void Downloading_1GiB_from_the_S3_emulator_through_the_engine_keeps_peak_memory_under_150MiB()
    {
        if (!File.Exists("/proc/self/status")) return; // VmHWM is Linux's
        // The benchmark starts its own S3 emulator (tests/emulators/emulators.sh, a free port), uploads 1 GiB through
        // the engine, resets the peak, and downloads it to a file as parallel ranges; the figure is the download's.
        var download = RunBenchmarkLines("s3 --size-mib 1024", TimeSpan.FromMinutes(10))
            .Single(r => r.GetProperty("tool").GetString() == "cloudstorage-engine-download");
        Assert.Equal(1024, download.GetProperty("sizeMiB").GetInt32());
        Assert.InRange(download.GetProperty("peakRssMiB").GetDouble(), 1, LimitMiB);
    }

    private static JsonElement RunBenchmark(string arguments) => RunBenchmarkLines(arguments, TimeSpan.FromMinutes(5))[0];

    private static List<JsonElement> RunBenchmarkLines(string arguments, TimeSpan timeout)
    {
        var dll = FindBenchmark();
        var psi = new ProcessStartInfo("dotnet", $"\"{dll}\" {arguments}") { RedirectStandardOutput = true, RedirectStandardError = true };
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEnd();
        var stderr = p.StandardError.ReadToEnd();
        Assert.True(p.WaitForExit(timeout), $"the benchmark did not finish in {timeout}");
        Assert.True(p.ExitCode == 0, $"benchmark exit {p.ExitCode}: {stderr}");
        return stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToList();
    }

    private static string FindBenchmark()
    {
        var dir = new DirectoryInfo(Path.GetDirectoryName(Assembly.GetExecutingAssembly().Location)!);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "StoragePs.sln"))) dir = dir.Parent;
        Assert.NotNull(dir);
        // Same configuration as this test assembly (bin/<Configuration>/<tfm>/).
        var configuration = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar)).Parent!.Name;
        var path = Path.Combine(dir!.FullName, "tests", "CloudStorage.Benchmarks", "bin", configuration, "net10.0", "CloudStorage.Benchmarks.dll");
        Assert.True(File.Exists(path), $"benchmark not built at {path}");
        return path;
    }
}
