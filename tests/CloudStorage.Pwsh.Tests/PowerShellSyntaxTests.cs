using System.Text.Json;
using System.Xml;
using System.Xml.Linq;
using CloudStorage.Pwsh.Tests.Support;

namespace CloudStorage.Pwsh.Tests;

/// <summary>
/// Every .ps1/.psm1/.psd1 in the repository, and every script block of the module's ps1xml files, parses with
/// PowerShell's own parser (<c>[System.Management.Automation.Language.Parser]::ParseFile</c>) in the pinned pwsh:
/// a missing brace in build.ps1, a Pester file or a format view's column fails here with its line and column.
/// </summary>
public sealed class PowerShellSyntaxTests
{
    private static readonly HashSet<string> SkippedFolders = new(StringComparer.OrdinalIgnoreCase)
        { ".git", "bin", "obj", "out", "artifacts", "node_modules", "TestResults", ".emulators" };

    private static readonly Lazy<IReadOnlyDictionary<string, List<string>>> RepositoryResults =
        new(() => Parse(EnumeratePowerShellFiles().Select(f => Path.Combine(Build.RepositoryRoot, f)).ToList()));

    private const string Parser = """
        $ErrorActionPreference = 'Stop'
        $report = [ordered]@{}
        foreach ($file in Get-Content -LiteralPath $env:CS_PARSE_LIST -Encoding utf8) {
            $tokens = $null
            $errors = $null
            [void][System.Management.Automation.Language.Parser]::ParseFile($file, [ref]$tokens, [ref]$errors)
            $report[$file] = @($errors | ForEach-Object {
                    '{0}:{1}: {2} ({3})' -f $_.Extent.StartLineNumber, $_.Extent.StartColumnNumber, $_.Message, $_.ErrorId })
        }
        ConvertTo-Json -InputObject $report -Depth 3 | Set-Content -LiteralPath $env:CS_PARSE_REPORT -Encoding utf8
        """;

    public static TheoryData<string> PowerShellFiles()
    {
        var data = new TheoryData<string>();
        foreach (var file in EnumeratePowerShellFiles()) data.Add(file);
        return data;
    }

    [Theory]
    [MemberData(nameof(PowerShellFiles))]
    public void PowerShell_file_has_no_syntax_errors(string relativePath)
    {
        var errors = RepositoryResults.Value[Path.Combine(Build.RepositoryRoot, relativePath)];
        Assert.True(errors.Count == 0, $"Syntax errors in {relativePath}:\n" + string.Join('\n', errors));
    }

    public static TheoryData<string> Ps1XmlFiles()
    {
        var data = new TheoryData<string>();
        // The format file sits next to the manifest at the repository root (so Test-ModuleManifest finds it there).
        foreach (var file in Directory.GetFiles(Build.RepositoryRoot, "*.ps1xml").Order(StringComparer.Ordinal))
            if (ScriptBlocks(file).Count > 0) data.Add(Path.GetFileName(file));
        Assert.NotEmpty(data);
        return data;
    }

    /// <summary>The script blocks of the format/types files (columns, script properties) parse too.</summary>
    [Theory]
    [MemberData(nameof(Ps1XmlFiles))]
    public void Every_ScriptBlock_in_a_ps1xml_file_parses(string fileName)
    {
        var blocks = ScriptBlocks(Path.Combine(Build.RepositoryRoot, fileName));
        Assert.NotEmpty(blocks);
        var dir = Directory.CreateTempSubdirectory("cs-parse-xml-");
        try
        {
            var origin = new Dictionary<string, int>();
            for (var i = 0; i < blocks.Count; i++)
            {
                var path = Path.Combine(dir.FullName, $"block{i}.ps1");
                File.WriteAllText(path, blocks[i].Value);
                origin[path] = ((IXmlLineInfo)blocks[i]).LineNumber;
            }
            var errors = Parse(origin.Keys.ToList())
                .SelectMany(r => r.Value.Select(e => $"{fileName}: <ScriptBlock> at XML line {origin[r.Key]}, its line {e}"))
                .ToList();
            Assert.True(errors.Count == 0, string.Join('\n', errors));
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    private static List<XElement> ScriptBlocks(string path) =>
        XDocument.Load(path, LoadOptions.SetLineInfo).Descendants()
            .Where(e => e.Name.LocalName is "ScriptBlock" or "GetScriptBlock" or "SetScriptBlock").ToList();

    [Fact]
    public void The_repository_has_PowerShell_files_to_check()
    {
        var files = EnumeratePowerShellFiles().ToList();
        Assert.Contains("build.ps1", files);
        Assert.Contains("CloudStorage.psd1", files);
        Assert.Contains("tests/Pester/CloudStorage.TestHelpers.ps1", files);
    }

    /// <summary>The checker is not a no-op: a broken script is reported with its line and column, a good one is not.</summary>
    [Fact]
    public void A_broken_script_is_reported_with_line_and_column()
    {
        var dir = Directory.CreateTempSubdirectory("cs-parse-");
        try
        {
            var good = Path.Combine(dir.FullName, "good.ps1");
            var bad = Path.Combine(dir.FullName, "bad.ps1");
            File.WriteAllText(good, "param([string]$Name)\nif ($Name) {\n    Write-Output \"Hello $Name\"\n}\n$mb = ($bytes / 1MB)\n");
            File.WriteAllText(bad, "$x = 1\nif ($x -eq 1 {\n    'one'\n}\n");

            var results = Parse([good, bad]);

            Assert.Empty(results[good]);
            Assert.Contains(results[bad], e => e.StartsWith("2:", StringComparison.Ordinal) && e.Contains("Missing closing ')'", StringComparison.Ordinal));
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    /// <summary>Parses the files in one pwsh; the errors of each, as "line:column: message (ErrorId)".</summary>
    private static IReadOnlyDictionary<string, List<string>> Parse(IReadOnlyList<string> files)
    {
        var dir = Directory.CreateTempSubdirectory("cs-parse-run-");
        try
        {
            var list = Path.Combine(dir.FullName, "files.txt");
            var report = Path.Combine(dir.FullName, "report.json");
            File.WriteAllLines(list, files);
            var run = PwshProcess.Run(Parser, new Dictionary<string, string?> { ["CS_PARSE_LIST"] = list, ["CS_PARSE_REPORT"] = report });
            Assert.True(run.ExitCode == 0 && File.Exists(report), "The parser did not run.\n" + run);
            using var json = JsonDocument.Parse(File.ReadAllText(report));
            var results = json.RootElement.EnumerateObject().ToDictionary(p => p.Name,
                p => p.Value.ValueKind == JsonValueKind.Array ? p.Value.EnumerateArray().Select(e => e.GetString()!).ToList() : [p.Value.GetString()!]);
            Assert.Equal(files.Order(StringComparer.Ordinal), results.Keys.Order(StringComparer.Ordinal));
            return results;
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    private static IEnumerable<string> EnumeratePowerShellFiles()
    {
        var root = Build.RepositoryRoot;
        var pending = new Stack<string>([root]);
        var found = new List<string>();
        while (pending.Count > 0)
        {
            var dir = pending.Pop();
            foreach (var sub in Directory.EnumerateDirectories(dir))
                if (!SkippedFolders.Contains(Path.GetFileName(sub))) pending.Push(sub);
            foreach (var file in Directory.EnumerateFiles(dir))
                if (Path.GetExtension(file).ToLowerInvariant() is ".ps1" or ".psm1" or ".psd1")
                    found.Add(Path.GetRelativePath(root, file).Replace('\\', '/'));
        }
        return found.Order(StringComparer.Ordinal);
    }
}
