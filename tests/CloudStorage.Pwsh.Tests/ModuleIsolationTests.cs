using System.Text.Json;
using CloudStorage.Pwsh.Tests.Support;

namespace CloudStorage.Pwsh.Tests;

/// <summary>
/// Dependency isolation in a real pwsh session: a session that holds AWSSDK.Core 3.7 (assembly version 3.3.0.0, what
/// AWS.Tools ships) in the default load context imports the built module and uses its S3 provider, which needs
/// AWSSDK.Core 4 — and the other order, module first, session's copy after. Both versions load, each in its own
/// context, and both work.
/// </summary>
public sealed class ModuleIsolationTests
{
    private const string Session = """
        $ErrorActionPreference = 'Stop'
        $report = [ordered]@{}

        function Get-SessionAwsCore {
            $assembly = [AppDomain]::CurrentDomain.GetAssemblies() |
                Where-Object { $_.GetName().Name -eq 'AWSSDK.Core' -and $_.GetName().Version.Major -eq 3 } | Select-Object -First 1
            # Reflection on that very assembly: a type name alone would be ambiguous with two AWSSDK.Core loaded.
            $type = $assembly.GetType('Amazon.Runtime.BasicAWSCredentials', $true)
            $credentials = [Activator]::CreateInstance($type, [object[]]@('AKIDSESSION', 'session-secret'))
            [ordered]@{
                version     = $assembly.GetName().Version.ToString()
                fileVersion = (Get-Item -LiteralPath $assembly.Location).VersionInfo.FileVersion
                context     = [System.Runtime.Loader.AssemblyLoadContext]::GetLoadContext($assembly).Name
                works       = $credentials.GetCredentials().AccessKey -eq 'AKIDSESSION'
            }
        }

        function Use-S3Provider {
            Import-Module -Name $env:CS_MODULE
            $presigned = New-StoragePresignedUrl -Uri 's3://alc-test-bucket/reports/q1.pdf' -ExpiresIn ([TimeSpan]::FromMinutes(5))
            $url = [uri]"$($presigned.Url)"
            $report.presign = [ordered]@{
                host   = $url.Host
                path   = $url.AbsolutePath
                signed = $url.Query -match 'X-Amz-Signature='
                uri    = "$($presigned.Uri)"
            }
            # A request through the SDK's HTTP stack (and the retries) to a closed port ends in the engine's error.
            Register-StorageRemote -Name 'closedport' -Uri 's3://alc-test-bucket/' -Option @{ endpoint = 'http://127.0.0.1:9'; region = 'eu-west-1' }
            $failure = $null
            try { Get-StorageItem -Uri 'closedport:x.txt' -ErrorAction Stop | Out-Null }
            catch { $failure = $_ }
            $report.stat = [ordered]@{ errorId = "$($failure.FullyQualifiedErrorId)"; exception = "$($failure.Exception.GetType().FullName)" }
        }

        if ($env:CS_ORDER -eq 'SessionFirst') {
            Add-Type -LiteralPath $env:CS_SESSION_AWSCORE
            $report.sessionAwsCore = Get-SessionAwsCore
            Use-S3Provider
        }
        else {
            Use-S3Provider
            Add-Type -LiteralPath $env:CS_SESSION_AWSCORE
        }
        $report.sessionAwsCoreAfter = Get-SessionAwsCore

        # Without a private context the module's copy could not load next to the session's: one context, one version.
        $report.defaultContextLoad = try {
            [void][System.Reflection.Assembly]::LoadFrom((Join-Path (Get-Module CloudStorage).ModuleBase 'Dependencies/AWSSDK.Core.dll')); 'loaded'
        }
        catch { $_.Exception.InnerException.GetType().FullName ?? $_.Exception.GetType().FullName }

        $report.assemblies = @([AppDomain]::CurrentDomain.GetAssemblies() | Where-Object { -not $_.IsDynamic } | ForEach-Object {
                [ordered]@{
                    name     = $_.GetName().Name
                    version  = $_.GetName().Version.ToString()
                    context  = [System.Runtime.Loader.AssemblyLoadContext]::GetLoadContext($_).Name
                    location = $_.Location
                }
            })
        ConvertTo-Json -InputObject $report -Depth 5 | Set-Content -LiteralPath $env:CS_REPORT -Encoding utf8
        """;

    [Theory]
    [InlineData("SessionFirst")]
    [InlineData("ModuleFirst")]
    public void The_sessions_AWSSDK_Core_3_and_the_modules_AWSSDK_Core_4_load_side_by_side_and_both_work(string order)
    {
        using var report = Run(order);
        var root = report.RootElement;

        foreach (var key in order == "SessionFirst" ? new[] { "sessionAwsCore", "sessionAwsCoreAfter" } : ["sessionAwsCoreAfter"])
        {
            var session = root.GetProperty(key);
            Assert.Equal("3.3.0.0", session.GetProperty("version").GetString());
            Assert.StartsWith("3.7.", session.GetProperty("fileVersion").GetString());
            Assert.Equal("Default", session.GetProperty("context").GetString());
            Assert.True(session.GetProperty("works").GetBoolean(), session.ToString());
        }

        // The module's AWSSDK 4, in its private context, signs a URL (SigV4, offline) through the s3:// provider ...
        var presign = root.GetProperty("presign");
        Assert.True(presign.GetProperty("signed").GetBoolean(), presign.ToString());
        Assert.Equal("alc-test-bucket.s3.eu-west-1.amazonaws.com", presign.GetProperty("host").GetString());
        Assert.Equal("/reports/q1.pdf", presign.GetProperty("path").GetString());
        Assert.Equal("s3://alc-test-bucket/reports/q1.pdf", presign.GetProperty("uri").GetString());
        // ... and a request through the SDK's HTTP stack ends in the engine's own error (a StorageException by kind).
        Assert.StartsWith("StorageTransient", root.GetProperty("stat").GetProperty("errorId").GetString());

        var loaded = root.GetProperty("assemblies").EnumerateArray()
            .Select(a => (Name: a.GetProperty("name").GetString()!, Version: a.GetProperty("version").GetString()!,
                Context: a.GetProperty("context").GetString()!, Location: a.GetProperty("location").GetString()!))
            .ToList();
        var awsCore = loaded.Where(a => a.Name == "AWSSDK.Core").OrderBy(a => a.Version, StringComparer.Ordinal).ToList();
        Assert.Equal(2, awsCore.Count);
        Assert.Equal(("3.3.0.0", "Default", Build.SessionAwsCore), (awsCore[0].Version, awsCore[0].Context, awsCore[0].Location));
        Assert.Equal(("4.0.0.0", "CloudStorage.Dependencies"), (awsCore[1].Version, awsCore[1].Context));
        Assert.EndsWith(Path.Combine("CloudStorage", "Dependencies", "AWSSDK.Core.dll"), awsCore[1].Location);

        // The isolated side: the providers and every SDK from Dependencies/, in the private context, loaded once.
        foreach (var name in new[] { "CloudStorage.Providers", "AWSSDK.S3", "Polly.Core" })
        {
            var assembly = Assert.Single(loaded, a => a.Name == name);
            Assert.Equal("CloudStorage.Dependencies", assembly.Context);
            Assert.EndsWith(Path.Combine("CloudStorage", "Dependencies", name + ".dll"), assembly.Location);
        }
        // The shared side: the cmdlets and the engine from the module root, in the default context, loaded once.
        foreach (var name in new[] { "CloudStorage.PowerShell", "CloudStorage.Core" })
        {
            var assembly = Assert.Single(loaded, a => a.Name == name);
            Assert.Equal("Default", assembly.Context);
            Assert.Equal(Path.Combine(Build.ModuleLayout, name + ".dll"), assembly.Location);
        }

        // The conflict the private context avoids: the default context, holding 3.x, cannot take the module's 4.x.
        Assert.Equal("System.IO.FileLoadException", root.GetProperty("defaultContextLoad").GetString());
    }

    private static JsonDocument Run(string order)
    {
        Assert.True(File.Exists(Build.ModuleManifest), $"No module layout at {Build.ModuleLayout}: build the solution first.");
        var dir = Directory.CreateTempSubdirectory("cs-isolation-");
        try
        {
            var reportPath = Path.Combine(dir.FullName, "report.json");
            var run = PwshProcess.Run(Session, new Dictionary<string, string?>
            {
                ["CS_ORDER"] = order,
                ["CS_MODULE"] = Build.ModuleManifest,
                ["CS_SESSION_AWSCORE"] = Build.SessionAwsCore,
                ["CS_REPORT"] = reportPath,
                ["CLOUDSTORAGE_CONFIG"] = Path.Combine(dir.FullName, "providers.json"),
                // Credentials and region for offline signing, and nothing from this machine's AWS configuration.
                ["AWS_ACCESS_KEY_ID"] = "AKIDMODULEEXAMPLE",
                ["AWS_SECRET_ACCESS_KEY"] = "module-example-secret",
                ["AWS_REGION"] = "eu-west-1",
                ["AWS_EC2_METADATA_DISABLED"] = "true",
                ["AWS_PROFILE"] = null,
                ["AWS_SESSION_TOKEN"] = null,
                ["AWS_CONFIG_FILE"] = Path.Combine(dir.FullName, "no-aws-config"),
                ["AWS_SHARED_CREDENTIALS_FILE"] = Path.Combine(dir.FullName, "no-aws-credentials"),
            });
            Assert.True(run.ExitCode == 0 && File.Exists(reportPath), run.ToString());
            return JsonDocument.Parse(File.ReadAllText(reportPath));
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }
}
