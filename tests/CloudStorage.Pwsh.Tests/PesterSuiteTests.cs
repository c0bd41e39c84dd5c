using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using CloudStorage.Pwsh.Tests.Support;
using Xunit.Abstractions;

namespace CloudStorage.Pwsh.Tests;

/// <summary>
/// The Pester suite (tests/Pester) in real pwsh against the built module, on the five stores: mem, local, and the
/// S3, Azure and GCS emulators this fixture starts. Nothing may fail and nothing may be skipped: a skipped, inconclusive
/// or not-run test, a failed block or a file that could not be discovered fails this test. The NUnit XML and a
/// summary (one line per store and the total, which .ci/run adds to its closing line) go to
/// <c>$CLOUDSTORAGE_PESTER_RESULTS_DIR</c>, else artifacts/pester/.
/// </summary>
public sealed partial class PesterSuiteTests(Emulators emulators, ITestOutputHelper output) : IClassFixture<Emulators>
{
    public static readonly string[] Stores = ["mem", "local", "s3", "azure", "gcs"];

    private const string Runner = """
        $ErrorActionPreference = 'Stop'
        Import-Module -Name $env:CLOUDSTORAGE_PESTER_MODULE -RequiredVersion $env:CLOUDSTORAGE_PESTER_VERSION
        $config = New-PesterConfiguration
        $config.Run.Path = $env:CLOUDSTORAGE_PESTER_PATH
        $config.Run.PassThru = $true
        $config.Output.Verbosity = 'Normal'
        $config.TestResult.Enabled = $true
        $config.TestResult.OutputFormat = 'NUnitXml'
        $config.TestResult.OutputPath = $env:CLOUDSTORAGE_PESTER_RESULTS
        $result = Invoke-Pester -Configuration $config
        [pscustomobject]@{
            Version          = "$((Get-Module Pester).Version)"
            PowerShell       = "$($PSVersionTable.PSVersion)"
            FailedBlocks     = @($result.FailedBlocks | ForEach-Object { $_.ExpandedPath })
            FailedContainers = @($result.FailedContainers | ForEach-Object { "$($_.Item)" })
            Tests            = @($result.Tests | ForEach-Object { [pscustomobject]@{ Path = $_.ExpandedPath; Result = "$($_.Result)" } })
        } | ConvertTo-Json -Depth 5 -Compress | Set-Content -LiteralPath $env:CLOUDSTORAGE_PESTER_SUMMARY -Encoding utf8
        """;

    [Fact]
    public void Pester_suite_passes_in_real_PowerShell_on_mem_local_and_the_three_emulators_with_nothing_skipped()
    {
        Assert.True(emulators.StartError is null, emulators.StartError);
        var resultsDir = Environment.GetEnvironmentVariable("CLOUDSTORAGE_PESTER_RESULTS_DIR") is { Length: > 0 } dir
            ? dir : Path.Combine(Build.RepositoryRoot, "artifacts", "pester");
        Directory.CreateDirectory(resultsDir);
        var xml = Path.Combine(resultsDir, "testResults.xml");
        var summaryText = Path.Combine(resultsDir, "summary.txt");
        foreach (var stale in new[] { xml, summaryText }) File.Delete(stale);

        var scratch = Directory.CreateTempSubdirectory("cloudstorage-pester-run-");
        try
        {
            var module = InstalledModuleCopy(scratch.FullName);
            var summaryJson = Path.Combine(scratch.FullName, "summary.json");
            var env = new Dictionary<string, string?>(emulators.Variables.ToDictionary(p => p.Key, p => (string?)p.Value))
            {
                ["CLOUDSTORAGE_MODULE_PATH"] = module,
                // -Persist tests write this scratch file, never a real providers.json.
                ["CLOUDSTORAGE_CONFIG"] = Path.Combine(scratch.FullName, "providers.json"),
                ["CLOUDSTORAGE_PESTER_PATH"] = Path.Combine(Build.RepositoryRoot, "tests", "Pester"),
                ["CLOUDSTORAGE_PESTER_MODULE"] = Build.PesterManifest,
                ["CLOUDSTORAGE_PESTER_VERSION"] = Build.PesterVersion,
                ["CLOUDSTORAGE_PESTER_RESULTS"] = xml,
                ["CLOUDSTORAGE_PESTER_SUMMARY"] = summaryJson,
                // Nothing of this machine's cloud configuration leaks in.
                ["AWS_PROFILE"] = null,
                ["AWS_CONFIG_FILE"] = Path.Combine(scratch.FullName, "no-aws-config"),
                ["AWS_SHARED_CREDENTIALS_FILE"] = Path.Combine(scratch.FullName, "no-aws-credentials"),
                ["AWS_EC2_METADATA_DISABLED"] = "true",
                ["GOOGLE_APPLICATION_CREDENTIALS"] = null,
            };
            var run = PwshProcess.Run(Runner, env, TimeSpan.FromMinutes(20));
            Assert.True(File.Exists(summaryJson), "The Pester run did not report.\n" + run);

            using var summary = JsonDocument.Parse(File.ReadAllText(summaryJson));
            var root = summary.RootElement;
            var tests = root.GetProperty("Tests").EnumerateArray()
                .Select(t => (Path: t.GetProperty("Path").GetString()!, Result: t.GetProperty("Result").GetString()!,
                    Store: StoreOf(t.GetProperty("Path").GetString()!)))
                .ToList();

            var lines = new StringBuilder();
            foreach (var store in Stores.Append("any"))
            {
                var mine = tests.Where(t => t.Store == store).ToList();
                lines.AppendLine($"{store}: {Count(mine, "Passed")} passed, {Count(mine, "Failed")} failed, {mine.Count - Count(mine, "Passed") - Count(mine, "Failed")} skipped");
            }
            var passed = Count(tests, "Passed");
            var failed = Count(tests, "Failed") + root.GetProperty("FailedBlocks").GetArrayLength() + root.GetProperty("FailedContainers").GetArrayLength();
            var skipped = tests.Count - Count(tests, "Passed") - Count(tests, "Failed");
            lines.AppendLine($"Pester {root.GetProperty("Version").GetString()} in PowerShell {root.GetProperty("PowerShell").GetString()}: {passed} passed, {failed} failed, {skipped} skipped");
            File.WriteAllText(summaryText, lines.ToString());
            output.WriteLine(lines.ToString());

            var problems = tests.Where(t => t.Result != "Passed").Select(t => $"{t.Result}: {t.Path}")
                .Concat(root.GetProperty("FailedBlocks").EnumerateArray().Select(b => $"Failed block: {b}"))
                .Concat(root.GetProperty("FailedContainers").EnumerateArray().Select(c => $"Failed file: {c}")).ToList();
            Assert.True(problems.Count == 0, $"{lines}\n{string.Join('\n', problems)}\n\n{Tail(run.Output)}\n{run.Errors}");
            foreach (var store in Stores)
                Assert.True(tests.Count(t => t.Store == store) >= 40, $"Only {tests.Count(t => t.Store == store)} Pester tests ran on {store}:\n{lines}");
            Assert.Equal(0, run.ExitCode);
        }
        finally
        {
            scratch.Delete(recursive: true);
        }
    }

    /// <summary>The laid-out module copied to CloudStorage/&lt;ModuleVersion&gt;/, as it is installed (and as build.ps1 assembles it).</summary>
    private static string InstalledModuleCopy(string scratch)
    {
        Assert.True(File.Exists(Build.ModuleManifest), $"No module layout at {Build.ModuleLayout}: build the solution first.");
        var version = ModuleVersion().Match(File.ReadAllText(Build.ModuleManifest));
        Assert.True(version.Success, "No ModuleVersion in " + Build.ModuleManifest);
        var target = Path.Combine(scratch, "Modules", "CloudStorage", version.Groups[1].Value);
        foreach (var file in Directory.EnumerateFiles(Build.ModuleLayout, "*", SearchOption.AllDirectories))
        {
            var to = Path.Combine(target, Path.GetRelativePath(Build.ModuleLayout, file));
            Directory.CreateDirectory(Path.GetDirectoryName(to)!);
            File.Copy(file, to);
        }
        return Path.Combine(target, "CloudStorage.psd1");
    }

    /// <summary>The store a test ran on: the name of its <c>Context '&lt;_&gt;' -ForEach</c> block, else "any".</summary>
    private static string StoreOf(string expandedPath)
    {
        var segments = expandedPath.Split('.');
        return segments.Length > 1 && Stores.Contains(segments[1]) ? segments[1] : "any";
    }

    private static int Count(IEnumerable<(string Path, string Result, string Store)> tests, string result) => tests.Count(t => t.Result == result);

    private static string Tail(string text) => text.Length <= 20000 ? text : "…" + text[^20000..];

    [GeneratedRegex(@"(?m)^\s*ModuleVersion\s*=\s*'([^']+)'")]
    private static partial Regex ModuleVersion();
}
