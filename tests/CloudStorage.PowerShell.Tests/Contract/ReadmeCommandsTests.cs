namespace CloudStorage.PowerShell.Tests.Contract;

/// <summary>The README's two commands and CI must not drift apart.</summary>
public class ReadmeCommandsTests
{
    private static string Root()
    {
        var root = ManifestTests.RepositoryRoot();
        Assert.NotNull(root);
        return root!;
    }

    [Fact]
    public void CI_runs_exactly_the_test_command_the_README_gives()
    {
        var readme = File.ReadAllText(Path.Combine(Root(), "README.md"));
        var ci = File.ReadAllText(Path.Combine(Root(), ".ci", "run"));
        Assert.Contains("\n```\ndotnet test StoragePs.sln\n```", readme.Replace("\r\n", "\n"));
        Assert.Contains("\ndotnet test StoragePs.sln 2>&1 | tee", ci.Replace("\r\n", "\n"));
    }

    [Fact]
    public void CI_runs_the_READMEs_main_job_command_with_the_pinned_pwsh()
    {
        var readme = File.ReadAllText(Path.Combine(Root(), "README.md")).Replace("\r\n", "\n");
        var ci = File.ReadAllText(Path.Combine(Root(), ".ci", "run")).Replace("\r\n", "\n");
        Assert.Contains("\n```\ndotnet tool restore; dotnet pwsh ./build.ps1 -Task Example\n```", readme);
        Assert.Contains("\ndotnet tool restore\ndotnet pwsh ./build.ps1 -Task Example\n", ci);
        Assert.True(File.Exists(Path.Combine(Root(), ".config", "dotnet-tools.json")));
    }

    [Fact]
    public void The_READMEs_main_job_command_names_a_task_build_ps1_has()
    {
        var readme = File.ReadAllText(Path.Combine(Root(), "README.md"));
        var build = File.ReadAllText(Path.Combine(Root(), "build.ps1"));
        Assert.Contains("dotnet pwsh ./build.ps1 -Task Example", readme);
        Assert.Contains("'Example'", build);
        Assert.True(File.Exists(Path.Combine(Root(), "examples", "local-runbook.ps1")));
    }

    [Fact]
    public void The_README_shows_installation_from_the_Gallery_and_from_source_and_the_module_layout()
    {
        var readme = File.ReadAllText(Path.Combine(Root(), "README.md"));
        Assert.Contains("Install-Module CloudStorage", readme);
        Assert.Contains("pwsh ./build.ps1 -Task Build", readme);
        Assert.Contains("pwsh ./build.ps1 -Task Package", readme);
        Assert.Contains("Dependencies/", readme);
        Assert.Contains("AssemblyLoadContext", readme);
    }

    [Theory]
    [InlineData("Cleanup of old files", "Remove-StorageObject")]
    [InlineData("Storage statistics", "Measure-Object")]
    [InlineData("Migration between clouds", "Test-StorageIntegrity")]
    [InlineData("Replication", "-MaxDelete")]
    public void The_README_has_a_runbook_example_per_seed_use_case(string useCase, string command)
    {
        var readme = File.ReadAllText(Path.Combine(Root(), "README.md")).Replace("\r\n", "\n");
        var runbooks = readme[readme.IndexOf("\n## Runbooks\n", StringComparison.Ordinal)..];
        runbooks = runbooks[..runbooks.IndexOf("\n## ", 1, StringComparison.Ordinal)];
        var start = runbooks.IndexOf("\n" + useCase, StringComparison.Ordinal);
        Assert.True(start >= 0, $"The README's Runbooks section has no '{useCase}' example.");
        var code = runbooks[start..];
        code = code[code.IndexOf("```powershell", StringComparison.Ordinal)..];
        code = code[..code.IndexOf("```", 3, StringComparison.Ordinal)];
        Assert.Contains(command, code);
    }
}
