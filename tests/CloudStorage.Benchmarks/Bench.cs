using System.Diagnostics;
using System.Text.Json;

namespace CloudStorage.Benchmarks;

/// <summary>What every benchmark shares: source files, peak memory, the JSON report, and running a peer tool.</summary>
internal static class Bench
{
    internal static void WriteSource(string path, long bytes)
    {
        var block = new byte[1 << 20];
        new Random(1).NextBytes(block);
        using var f = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20);
        for (long written = 0; written < bytes; written += block.Length)
        {
            block[0]++; // no two blocks alike
            f.Write(block, 0, (int)Math.Min(block.Length, bytes - written));
        }
    }

    internal static long PeakRssKiB()
    {
        foreach (var line in File.ReadLines("/proc/self/status"))
            if (line.StartsWith("VmHWM:")) return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]);
        return -1;
    }

    internal static void Report(string tool, TimeSpan elapsed, long sizeMiB, long peakKiB, long? baselineKiB) =>
        Console.WriteLine(JsonSerializer.Serialize(new
        {
            tool,
            sizeMiB,
            seconds = Math.Round(elapsed.TotalSeconds, 3),
            mibPerSecond = Math.Round(sizeMiB / elapsed.TotalSeconds, 1),
            peakRssMiB = Math.Round(peakKiB / 1024.0, 1),
            peakRssBeforeCopyMiB = baselineKiB is { } b ? Math.Round(b / 1024.0, 1) : (double?)null,
        }));

    /// <summary>
    /// Runs a peer tool under GNU time and reports it when it exits with 0 and <paramref name="verify"/> (when given)
    /// finds its result right (null); otherwise prints "not measured" with the first error line on stderr.
    /// True when measured.
    /// </summary>
    internal static async Task<bool> RunPeerAsync(string tool, string exe, string arguments, long sizeMiB,
        IReadOnlyDictionary<string, string>? environment = null, Func<Task<string?>>? verify = null)
    {
        // GNU time reports the peer's own peak RSS ("Maximum resident set size (kbytes)").
        if (!File.Exists("/usr/bin/time")) { Console.Error.WriteLine($"{tool} not measured: no /usr/bin/time"); return false; }
        var psi = new ProcessStartInfo("/usr/bin/time", $"-v {exe} {arguments}") { RedirectStandardError = true, RedirectStandardOutput = true };
        psi.Environment.Remove("AWS_CA_BUNDLE"); // breaks rclone's S3 backend here; harmless to drop for local copies
        foreach (var (name, value) in environment ?? new Dictionary<string, string>()) psi.Environment[name] = value;
        var clock = Stopwatch.StartNew();
        Process p;
        try { p = Process.Start(psi)!; } catch (Exception e) { Console.Error.WriteLine($"{tool} not measured: {e.Message}"); return false; }
        var stdout = p.StandardOutput.ReadToEndAsync();
        var err = await p.StandardError.ReadToEndAsync();
        await p.WaitForExitAsync();
        clock.Stop();
        await stdout;
        if (p.ExitCode != 0) { Console.Error.WriteLine($"{tool} not measured (exit {p.ExitCode}): {FirstError(err)}"); return false; }
        if (verify is not null && await verify() is { } wrong) { Console.Error.WriteLine($"{tool} not measured (exit 0, but {wrong})"); return false; }
        var rss = err.Split('\n').FirstOrDefault(l => l.Contains("Maximum resident set size"))?.Split(':')[1].Trim();
        Report(tool, clock.Elapsed, sizeMiB, rss is null ? -1 : long.Parse(rss), null);
        return true;
    }

    /// <summary>The first line of a failed tool's stderr that says what went wrong (not a NOTICE/INFO log line, not GNU time's report).</summary>
    private static string FirstError(string stderr)
    {
        var lines = stderr.Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0
            && !l.Contains(" NOTICE: ") && !l.Contains(" INFO  : ") && !l.StartsWith("Command exited with non-zero status", StringComparison.Ordinal)
            && !l.StartsWith("Command being timed", StringComparison.Ordinal)).ToList();
        return lines.FirstOrDefault(l => l.Contains("ERROR") || l.Contains("rror") || l.Contains("ailed")) ?? lines.FirstOrDefault() ?? "(no output)";
    }
}
