using System.Diagnostics;
using System.Text.Json;
using CloudStorage.Core.Addressing;
using CloudStorage.Core.Transfer;
using CloudStorage.Benchmarks;

// Measures the engine on real files and, in the same run, the peers that are installed, so the figures compare
// like with like. Usage:
//   copy-local [--size-mib N] [--streaming] [--peers] [--dir PATH] [--keep]      engine vs cp, rclone
//   s3 [--size-mib N] [--peers] [--dir PATH]                                       engine vs rclone, aws cli
//   azure [--size-mib N] [--peers] [--dir PATH]                                    engine vs rclone
//   gcs [--size-mib N] [--peers] [--dir PATH]                                      engine vs rclone
// s3, azure and gcs start the project's emulator (tests/emulators/emulators.sh) on a free port and upload then
// download one object (default 256 MiB) with each tool against it. Prints one JSON object per measured tool on
// stdout, and "not measured" with the reason on stderr for a peer that failed; peak memory is VmHWM (Linux).
var argv = args.ToList();
if (argv.Count > 3 && argv[0] == "download-child" && EmulatorBenchmark.ForMode(argv[1]) is { } downloader)
    return await downloader.DownloadChildAsync(argv);
if (argv.Count > 0 && EmulatorBenchmark.ForMode(argv[0]) is { } emulatorBenchmark)
    return await emulatorBenchmark.RunAsync(argv);
if (argv.Count == 0 || argv[0] != "copy-local")
{
    Console.Error.WriteLine("usage: copy-local [--size-mib N] [--streaming] [--peers] [--dir PATH] [--keep]\n       s3|azure|gcs [--size-mib N] [--peers] [--dir PATH]");
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
    Bench.WriteSource(source, sizeMiB << 20);
    var baseline = Bench.PeakRssKiB();
    var registry = new ProviderRegistry();
    var engine = new TransferEngine();
    var target = Path.Combine(root, "engine", "copy.bin");
    var clock = Stopwatch.StartNew();
    var item = await engine.CopyAsync(registry.Resolve(source), registry.Resolve(target),
        new CopyRequest { Overwrite = true, AllowServerSideCopy = !streaming });
    clock.Stop();
    if (item.Size != sizeMiB << 20) throw new InvalidOperationException($"copied {item.Size} bytes, expected {sizeMiB << 20}");
    Bench.Report("cloudstorage-engine" + (streaming ? "-streaming" : "-serverside"), clock.Elapsed, sizeMiB, Bench.PeakRssKiB(), baseline);

    if (peers)
    {
        foreach (var (tool, arguments, copy) in new[]
        {
            ("cp", "", Path.Combine(root, "cp.bin")),
            ("rclone", "copyto --no-check-dest", Path.Combine(root, "rclone.bin")),
        })
            await Bench.RunPeerAsync(tool, tool, $"{arguments} \"{source}\" \"{copy}\"".TrimStart(), sizeMiB, verify: () => Task.FromResult(
                File.Exists(copy) && new FileInfo(copy).Length == sizeMiB << 20 ? null : $"{copy} is missing or has the wrong length"));
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
