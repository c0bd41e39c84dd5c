namespace CloudStorage.Tests.PowerShell.Contract;

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
    public void The_READMEs_main_job_command_names_a_task_build_ps1_has()
    {
        var readme = File.ReadAllText(Path.Combine(Root(), "README.md"));
        var build = File.ReadAllText(Path.Combine(Root(), "build.ps1"));
        Assert.Contains("pwsh ./build.ps1 -Task Example", readme);
        Assert.Contains("'Example'", build);
        Assert.True(File.Exists(Path.Combine(Root(), "examples", "local-runbook.ps1")));
    }
}
