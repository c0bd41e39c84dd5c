using System.Diagnostics;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using CloudStorage.Providers.S3;

namespace CloudStorage.Providers.Tests.Emulator;

/// <summary>The tests that need the S3 emulator share one, started by <see cref="S3EmulatorFixture"/>.</summary>
[CollectionDefinition(Name)]
public sealed class S3EmulatorCollection : ICollectionFixture<S3EmulatorFixture>
{
    public const string Name = "S3 emulator";
}

/// <summary>
/// Starts the project's S3 emulator (tests/emulators/emulators.sh: installs it from npm on first use, binds a free
/// port on 127.0.0.1) with its own state directory, reads the endpoint and development credentials from the
/// script's <c>env</c>, and stops exactly that emulator afterwards. An emulator that cannot start fails every test
/// that needs it with the script's message: no silent skip, in CI or outside it.
/// </summary>
public sealed class S3EmulatorFixture : IAsyncLifetime
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromMinutes(10);
    private readonly string _stateDir = Path.Combine(Path.GetTempPath(), $"cloudstorage-s3-emulator-{Environment.ProcessId}-{Guid.NewGuid():N}");
    private string? _startError;
    private bool _started;

    public Uri Endpoint { get; private set; } = null!;
    public string AccessKey { get; private set; } = "";
    public string SecretKey { get; private set; } = "";
    public string Region { get; private set; } = "us-east-1";

    /// <summary>The development credentials of the emulator (not secrets).</summary>
    public AWSCredentials Credentials => new BasicAWSCredentials(AccessKey, SecretKey);

    public static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "StoragePs.sln"))) return dir.FullName;
        throw new InvalidOperationException("StoragePs.sln not found above " + AppContext.BaseDirectory);
    }

    private static string Script => Path.Combine(RepositoryRoot(), "tests", "emulators", "emulators.sh");

    public async Task InitializeAsync()
    {
        try
        {
            var (code, output) = await RunScriptAsync("start", StartTimeout);
            if (code != 0)
            {
                _startError = $"tests/emulators/emulators.sh start s3 exited with {code}:\n{output}";
                return;
            }
            _started = true;
            var (envCode, env) = await RunScriptAsync("env", TimeSpan.FromSeconds(30));
            if (envCode != 0)
            {
                _startError = $"tests/emulators/emulators.sh env s3 exited with {envCode}:\n{env}";
                return;
            }
            var values = env.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Where(l => l.StartsWith("export ", StringComparison.Ordinal))
                .Select(l => l["export ".Length..].Split('=', 2))
                .ToDictionary(p => p[0], p => p[1].Trim('\''));
            Endpoint = new Uri(values["S3_EMULATOR_ENDPOINT"]);
            AccessKey = values["AWS_ACCESS_KEY_ID"];
            SecretKey = values["AWS_SECRET_ACCESS_KEY"];
            Region = values.GetValueOrDefault("AWS_REGION", "us-east-1");
        }
        catch (Exception e)
        {
            _startError = $"The S3 emulator could not be started through tests/emulators/emulators.sh: {e}";
        }
    }

    public async Task DisposeAsync()
    {
        if (_started) await RunScriptAsync("stop", TimeSpan.FromSeconds(60));
        try { Directory.Delete(_stateDir, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    /// <summary>Fails the calling test with the emulator's start-up error, when there was one.</summary>
    public void EnsureStarted()
    {
        if (_startError is not null)
            Assert.Fail("The S3 emulator is required for this test and did not start (Node.js >= 20 and npm with access to " +
                        "the npm registry are needed; see tests/emulators/emulators.sh).\n" + _startError);
    }

    /// <summary>Provider options for <paramref name="bucket"/> on the emulator, with its development credentials.</summary>
    public S3ProviderOptions Options(string bucket) => new()
    {
        Bucket = bucket,
        Endpoint = Endpoint,
        Region = Region,
        Credentials = Credentials,
    };

    /// <summary>A client for test set-up and inspection, configured as the provider configures its own.</summary>
    public IAmazonS3 CreateClient()
    {
        EnsureStarted();
        return new AmazonS3Client(Credentials, S3StorageProvider.CreateConfig(Options("unused")));
    }

    /// <summary>Creates a new, empty bucket with a unique name.</summary>
    public async Task<string> CreateBucketAsync(string prefix = "cs")
    {
        EnsureStarted();
        var name = $"{prefix}-{Guid.NewGuid():N}"[..Math.Min(63, prefix.Length + 33)];
        using var client = CreateClient();
        await client.PutBucketAsync(new PutBucketRequest { BucketName = name });
        return name;
    }

    /// <summary>Deletes every object and upload of a bucket, then the bucket.</summary>
    public async Task DeleteBucketAsync(string bucket)
    {
        if (_startError is not null) return;
        using var client = CreateClient();
        try
        {
            var uploads = await client.ListMultipartUploadsAsync(new ListMultipartUploadsRequest { BucketName = bucket });
            foreach (var u in uploads.MultipartUploads ?? [])
                await client.AbortMultipartUploadAsync(new AbortMultipartUploadRequest { BucketName = bucket, Key = u.Key, UploadId = u.UploadId });
            string? token = null;
            do
            {
                var page = await client.ListObjectsV2Async(new ListObjectsV2Request { BucketName = bucket, ContinuationToken = token });
                foreach (var o in page.S3Objects ?? [])
                    await client.DeleteObjectAsync(new DeleteObjectRequest { BucketName = bucket, Key = o.Key });
                token = page.IsTruncated == true ? page.NextContinuationToken : null;
            }
            while (token is not null);
            await client.DeleteBucketAsync(new DeleteBucketRequest { BucketName = bucket });
        }
        catch (AmazonS3Exception)
        {
            // Best effort: the emulator's data directory goes away when it stops.
        }
    }

    private async Task<(int ExitCode, string Output)> RunScriptAsync(string command, TimeSpan timeout)
    {
        var start = new ProcessStartInfo("bash", [Script, command, "s3"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.Environment["EMULATOR_STATE_DIR"] = _stateDir;
        start.Environment["S3_EMULATOR_PORT"] = "0";
        // Should this process die without disposing the fixture, the script's watchdog stops the emulator.
        start.Environment["EMULATOR_OWNER_PID"] = Environment.ProcessId.ToString();
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
