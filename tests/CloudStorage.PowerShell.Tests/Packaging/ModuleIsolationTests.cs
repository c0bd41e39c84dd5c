using System.Diagnostics;
using System.Text.Json;

namespace CloudStorage.Tests.PowerShell.Packaging;

/// <summary>
/// The proof of dependency isolation, without PowerShell: tests/CloudStorage.ModuleHost stands in for a session
/// that already holds AWSSDK.Core 3.7 (assembly version 3.3.0.0, what AWS.Tools ships) in the default load context. It
/// imports the laid-out module the way PowerShell does (RootModule into the default context, references probed in the
/// module folder, IModuleAssemblyInitializer run), then uses the S3 provider - which needs AWSSDK.Core 4 - through the
/// session registry the cmdlets use. Both versions must load, in different contexts, and both must work.
/// </summary>
public sealed class ModuleIsolationTests
{
    [Fact]
    public void Session_copy_of_AWSSDK_Core_and_the_modules_copy_load_side_by_side_and_both_work()
    {
        using var report = RunHost("import");
        var root = report.RootElement;
        Assert.False(root.TryGetProperty("failure", out var failure), "The host failed: " + failure);

        // The session's 3.x, in the default context, works before and after the module loads its own.
        foreach (var key in new[] { "hostAwsCore", "hostAwsCoreAfter" })
        {
            var host = root.GetProperty(key);
            Assert.Equal("3.3.0.0", host.GetProperty("version").GetString());
            Assert.StartsWith("3.7.", host.GetProperty("fileVersion").GetString());
            Assert.Equal("Default", host.GetProperty("context").GetString());
            Assert.True(host.GetProperty("works").GetBoolean());
        }

        // The module's 4.x, in its private context, signs a URL (SigV4, offline) through the s3:// provider...
        Assert.Contains("s3", root.GetProperty("schemes").EnumerateArray().Select(s => s.GetString()));
        var presign = root.GetProperty("presign");
        Assert.True(presign.GetProperty("signed").GetBoolean(), presign.ToString());
        Assert.Equal("alc-test-bucket.s3.eu-west-1.amazonaws.com", presign.GetProperty("host").GetString());
        Assert.Equal("/reports/q1.pdf", presign.GetProperty("path").GetString());
        Assert.Equal("s3://alc-test-bucket/reports/q1.pdf", presign.GetProperty("uri").GetString());
        Assert.Equal("CloudStorage.Dependencies", presign.GetProperty("providerContext").GetString());
        // ... and a request through the SDK's HTTP stack and Polly's retries ends in the engine's own exception type,
        // which the host catches as its StorageException: the shared type really is shared.
        var stat = root.GetProperty("stat");
        Assert.True(stat.TryGetProperty("kind", out var kind), "The stat against a closed port did not end in a StorageException: " + stat);
        Assert.Equal("Transient", kind.GetString());

        var loaded = root.GetProperty("assemblies").EnumerateArray()
            .Select(a => (Name: a.GetProperty("name").GetString()!, Version: a.GetProperty("version").GetString()!,
                Context: a.GetProperty("context").GetString()!, Location: a.GetProperty("location").GetString()!))
            .ToList();
        var awsCore = loaded.Where(a => a.Name == "AWSSDK.Core").OrderBy(a => a.Version, StringComparer.Ordinal).ToList();
        Assert.Equal(2, awsCore.Count);
        Assert.Equal(("3.3.0.0", "Default"), (awsCore[0].Version, awsCore[0].Context));
        Assert.Equal(("4.0.0.0", "CloudStorage.Dependencies"), (awsCore[1].Version, awsCore[1].Context));
        Assert.Equal(Path.Combine(ModuleLayout.Dependencies, "AWSSDK.Core.dll"), awsCore[1].Location);

        // The isolated side: providers and every SDK from Dependencies/, in the private context, loaded once.
        foreach (var name in new[] { "CloudStorage.Providers", "AWSSDK.S3", "Polly.Core" })
        {
            var assembly = Assert.Single(loaded, a => a.Name == name);
            Assert.Equal("CloudStorage.Dependencies", assembly.Context);
            Assert.Equal(Path.Combine(ModuleLayout.Dependencies, name + ".dll"), assembly.Location);
        }
        // The shared side: the cmdlets and the engine from the module root, in the default context, loaded once.
        foreach (var name in new[] { "CloudStorage.PowerShell", "CloudStorage.Core" })
        {
            var assembly = Assert.Single(loaded, a => a.Name == name);
            Assert.Equal("Default", assembly.Context);
            Assert.Equal(Path.Combine(ModuleLayout.Directory, name + ".dll"), assembly.Location);
        }
        Assert.Equal(["CloudStorage.PowerShell.Loading.CloudStorageModuleInitializer"],
            root.GetProperty("initializers").EnumerateArray().Select(i => i.GetString()));
    }

    [Fact]
    public void Without_a_private_context_the_modules_AWSSDK_Core_cannot_load_next_to_the_sessions()
    {
        // The conflict the isolation avoids: one context holds one version of a name.
        using var report = RunHost("conflict");
        var load = report.RootElement.GetProperty("defaultLoad");

        Assert.True(load.TryGetProperty("error", out var error), "The module's AWSSDK.Core loaded into the default context next to 3.x: " + load);
        Assert.Equal("System.IO.FileLoadException", error.GetString());
    }

    [Fact]
    public void Without_the_module_initializer_the_providers_are_not_found()
    {
        // So it is the initializer's loader that finds them in the import test, not some other probing.
        using var report = RunHost("noinit");
        var root = report.RootElement;

        Assert.True(root.TryGetProperty("failure", out var failure), "The providers loaded without the module initializer.");
        Assert.Contains("FileNotFoundException", failure.GetString());
        Assert.Contains("CloudStorage.Providers", failure.GetString());
    }

    private static JsonDocument RunHost(string mode)
    {
        Assert.True(File.Exists(ModuleLayout.Host), $"{ModuleLayout.Host} is missing: build tests/CloudStorage.ModuleHost.");
        Assert.True(File.Exists(Path.Combine(ModuleLayout.Directory, "CloudStorage.psd1")), $"No module layout in {ModuleLayout.Directory}.");
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } dotnet ? dotnet : "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(ModuleLayout.Host);
        start.ArgumentList.Add(ModuleLayout.Directory);
        start.ArgumentList.Add(mode);
        // Credentials and region for offline signing, and nothing from this machine's AWS configuration.
        start.Environment["AWS_ACCESS_KEY_ID"] = "AKIDMODULEEXAMPLE";
        start.Environment["AWS_SECRET_ACCESS_KEY"] = "module-example-secret";
        start.Environment["AWS_REGION"] = "eu-west-1";
        start.Environment["AWS_EC2_METADATA_DISABLED"] = "true";
        start.Environment["AWS_PROFILE"] = "";
        start.Environment["AWS_SESSION_TOKEN"] = "";
        start.Environment["AWS_CONFIG_FILE"] = Path.Combine(Path.GetTempPath(), "cs-no-aws-config");
        start.Environment["AWS_SHARED_CREDENTIALS_FILE"] = Path.Combine(Path.GetTempPath(), "cs-no-aws-credentials");

        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEnd();
        Assert.True(process.WaitForExit(TimeSpan.FromMinutes(2)), "The host did not finish within 2 minutes.");
        Assert.True(process.ExitCode == 0, $"The host exited with {process.ExitCode}:\n{stdout}\n{stderr.Result}");
        return JsonDocument.Parse(stdout);
    }
}
