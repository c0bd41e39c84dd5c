using System.Diagnostics;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using CloudStorage.Addressing;
using CloudStorage.Providers.S3;
using CloudStorage.Transfer;

namespace CloudStorage.Benchmarks;

/// <summary>
/// Upload and download of one object through the S3 emulator by the engine and, in the same run, by rclone and the
/// AWS CLI with their default settings (the emulator is the common bottleneck, so the figures compare the clients,
/// not S3). Every tool's download is checked against the source length.
/// </summary>
internal static class S3Benchmark
{
    public static async Task<int> RunAsync(List<string> argv)
    {
        long sizeMiB = Option(argv, "--size-mib") is { } s ? long.Parse(s) : 256;
        var peers = argv.Contains("--peers");
        var root = Option(argv, "--dir") ?? Path.Combine(Path.GetTempPath(), "cloudstorage-s3-bench-" + Environment.ProcessId);
        var stateDir = Path.Combine(root, "emulator");
        Directory.CreateDirectory(stateDir);
        var script = Path.Combine(RepositoryRoot(), "tests", "emulators", "emulators.sh");
        try
        {
            var (code, output) = Script(script, stateDir, "start");
            if (code != 0) { Console.Error.WriteLine("the S3 emulator did not start:\n" + output); return 1; }
            var env = Script(script, stateDir, "env").Output.Split('\n')
                .Where(l => l.StartsWith("export ", StringComparison.Ordinal))
                .Select(l => l["export ".Length..].Split('=', 2)).ToDictionary(p => p[0], p => p[1].Trim('\''));
            var endpoint = env["S3_EMULATOR_ENDPOINT"];
            var (accessKey, secretKey) = (env["AWS_ACCESS_KEY_ID"], env["AWS_SECRET_ACCESS_KEY"]);
            // The development keys of the emulator, for this process's SDK chain (not secrets).
            Environment.SetEnvironmentVariable("AWS_ACCESS_KEY_ID", accessKey);
            Environment.SetEnvironmentVariable("AWS_SECRET_ACCESS_KEY", secretKey);

            var bucket = "bench";
            var options = new S3ProviderOptions { Bucket = bucket, Endpoint = new Uri(endpoint), Region = "us-east-1", Credentials = new BasicAWSCredentials(accessKey, secretKey) };
            using (var client = new AmazonS3Client(options.Credentials, S3StorageProvider.CreateConfig(options)))
                await client.PutBucketAsync(new PutBucketRequest { BucketName = bucket });

            var source = Path.Combine(root, "source.bin");
            Bench.WriteSource(source, sizeMiB << 20);
            var registry = new ProviderRegistry();
            registry.RegisterFactory(new S3ProviderFactory());
            registry.Register("bench", $"s3://{bucket}/", new Dictionary<string, string> { ["endpoint"] = endpoint, ["region"] = "us-east-1" });
            var engine = new TransferEngine();
            var baseline = Bench.PeakRssKiB();

            var clock = Stopwatch.StartNew();
            var up = await engine.CopyAsync(registry.Resolve(source), registry.Resolve("bench:engine.bin"), new CopyRequest { Overwrite = true });
            clock.Stop();
            Check("engine upload", up.Size, sizeMiB);
            Bench.Report("cloudstorage-engine-upload", clock.Elapsed, sizeMiB, Bench.PeakRssKiB(), baseline);

            var back = Path.Combine(root, "engine.back");
            clock.Restart();
            var down = await engine.CopyAsync(registry.Resolve("bench:engine.bin"), registry.Resolve(back), new CopyRequest { Overwrite = true });
            clock.Stop();
            Check("engine download", new FileInfo(back).Length, sizeMiB);
            Bench.Report("cloudstorage-engine-download", clock.Elapsed, sizeMiB, Bench.PeakRssKiB(), baseline);

            if (peers)
            {
                var rclone = new Dictionary<string, string>
                {
                    ["RCLONE_S3_PROVIDER"] = "Other", ["RCLONE_S3_ENDPOINT"] = endpoint, ["RCLONE_S3_REGION"] = "us-east-1",
                    ["RCLONE_S3_ACCESS_KEY_ID"] = accessKey, ["RCLONE_S3_SECRET_ACCESS_KEY"] = secretKey, ["RCLONE_S3_FORCE_PATH_STYLE"] = "true",
                };
                Bench.RunPeer("rclone-upload", "rclone", $"copyto --no-check-dest \"{source}\" :s3:{bucket}/rclone.bin", sizeMiB, rclone);
                Bench.RunPeer("rclone-download", "rclone", $"copyto --no-check-dest :s3:{bucket}/rclone.bin \"{Path.Combine(root, "rclone.back")}\"", sizeMiB, rclone);
                CheckFile("rclone download", Path.Combine(root, "rclone.back"), sizeMiB);

                var aws = new Dictionary<string, string>
                {
                    ["AWS_ACCESS_KEY_ID"] = accessKey, ["AWS_SECRET_ACCESS_KEY"] = secretKey, ["AWS_DEFAULT_REGION"] = "us-east-1",
                };
                Bench.RunPeer("aws-cli-upload", "aws", $"s3 cp --only-show-errors --endpoint-url {endpoint} \"{source}\" s3://{bucket}/aws.bin", sizeMiB, aws);
                Bench.RunPeer("aws-cli-download", "aws", $"s3 cp --only-show-errors --endpoint-url {endpoint} s3://{bucket}/aws.bin \"{Path.Combine(root, "aws.back")}\"", sizeMiB, aws);
                CheckFile("aws-cli download", Path.Combine(root, "aws.back"), sizeMiB);
            }
            return 0;
        }
        finally
        {
            Script(script, stateDir, "stop");
            try { Directory.Delete(root, recursive: true); } catch (IOException) { }
        }
    }

    private static void Check(string what, long bytes, long sizeMiB)
    {
        if (bytes != sizeMiB << 20) throw new InvalidOperationException($"{what}: {bytes} bytes, expected {sizeMiB << 20}");
    }

    private static void CheckFile(string what, string path, long sizeMiB)
    {
        if (File.Exists(path)) Check(what, new FileInfo(path).Length, sizeMiB);
    }

    private static (int Code, string Output) Script(string script, string stateDir, string command)
    {
        var psi = new ProcessStartInfo("bash", [script, command, "s3"]) { RedirectStandardOutput = true, RedirectStandardError = true };
        psi.Environment["EMULATOR_STATE_DIR"] = stateDir;
        psi.Environment["S3_EMULATOR_PORT"] = "0";
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
