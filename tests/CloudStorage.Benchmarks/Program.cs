using System.Diagnostics;
using System.Text.Json;
using CloudStorage.Addressing;
using CloudStorage.Transfer;

// Measures the engine on real files and, in the same run, the peers that are installed (cp, rclone), so the
// figures compare like with like. Usage:
//   copy-local [--size-mib N] [--streaming] [--peers] [--dir PATH] [--keep]
// Prints one JSON object per measured tool on stdout; peak memory is the process's VmHWM (Linux).
var argv = args.ToList();
if (argv.Count == 0 || argv[0] != "copy-local")
{
    Console.Error.WriteLine("usage: copy-local [--size-mib N] [--streaming] [--peers] [--dir PATH] [--keep]");
    return 2;
}
long sizeMiB = Option("--size-mib") is { } s ? long.Parse(s) : 1024;
var streaming = argv.Contains("--streaming");
var peers = argv.Contains("--peers");
var keep = argv.Contains("--keep");
var root = Option("--dir") ?? Path.Combine(Path.GetTempPath(), "cloudstorage-bench-" + Environment.ProcessId);
Directory.CreateDirectory(root);
var source = Path.Combine(root, "source.bin");
try
{
    WriteSource(source, sizeMiB << 20);
    var baseline = PeakRssKiB();
    var registry = new ProviderRegistry();
    var engine = new TransferEngine();
    var target = Path.Combine(root, "engine", "copy.bin");
    var clock = Stopwatch.StartNew();
    var item = await engine.CopyAsync(registry.Resolve(source), registry.Resolve(target),
        new CopyRequest { Overwrite = true, AllowServerSideCopy = !streaming });
    clock.Stop();
    if (item.Size != sizeMiB << 20) throw new InvalidOperationException($"copied {item.Size} bytes, expected {sizeMiB << 20}");
    Report("cloudstorage-engine" + (streaming ? "-streaming" : "-serverside"), clock.Elapsed, sizeMiB, PeakRssKiB(), baseline);

    if (peers)
    {
        RunPeer("cp", "cp", $"\"{source}\" \"{Path.Combine(root, "cp.bin")}\"", sizeMiB);
        RunPeer("rclone", "rclone", $"copyto --no-check-dest \"{source}\" \"{Path.Combine(root, "rclone.bin")}\"", sizeMiB);
    }
    return 0;
}
finally
{
    if (!keep) Directory.Delete(root, recursive: true);
}

string? Option(string name)
{
    var i = argv.IndexOf(name);
    return i >= 0 && i + 1 < argv.Count ? argv[i + 1] : null;
}

static void WriteSource(string path, long bytes)
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

static long PeakRssKiB()
{
    foreach (var line in File.ReadLines("/proc/self/status"))
        if (line.StartsWith("VmHWM:")) return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]);
    return -1;
}

static void Report(string tool, TimeSpan elapsed, long sizeMiB, long peakKiB, long? baselineKiB) =>
    Console.WriteLine(JsonSerializer.Serialize(new
    {
        tool,
        sizeMiB,
        seconds = Math.Round(elapsed.TotalSeconds, 3),
        mibPerSecond = Math.Round(sizeMiB / elapsed.TotalSeconds, 1),
        peakRssMiB = Math.Round(peakKiB / 1024.0, 1),
        peakRssBeforeCopyMiB = baselineKiB is { } b ? Math.Round(b / 1024.0, 1) : (double?)null,
    }));

static void RunPeer(string tool, string exe, string arguments, long sizeMiB)
{
    // GNU time reports the peer's own peak RSS ("Maximum resident set size (kbytes)").
    if (!File.Exists("/usr/bin/time")) { Console.Error.WriteLine("no /usr/bin/time: peers skipped"); return; }
    var psi = new ProcessStartInfo("/usr/bin/time", $"-v {exe} {arguments}") { RedirectStandardError = true, RedirectStandardOutput = true };
    psi.Environment.Remove("AWS_CA_BUNDLE"); // breaks rclone's S3 backend here; harmless to drop for local copies
    var clock = Stopwatch.StartNew();
    Process p;
    try { p = Process.Start(psi)!; } catch (Exception e) { Console.Error.WriteLine($"{tool}: {e.Message}"); return; }
    var err = p.StandardError.ReadToEnd();
    p.WaitForExit();
    clock.Stop();
    if (p.ExitCode != 0) { Console.Error.WriteLine($"{tool} not measured (exit {p.ExitCode}): {err.Split('\n').FirstOrDefault()}"); return; }
    var rss = err.Split('\n').FirstOrDefault(l => l.Contains("Maximum resident set size"))?.Split(':')[1].Trim();
    Report(tool, clock.Elapsed, sizeMiB, rss is null ? -1 : long.Parse(rss), null);
}
