using System.Text.Json;
using CloudStorage.Pwsh.Tests.Support;

namespace CloudStorage.Pwsh.Tests;

/// <summary>One PowerShell for everything: `dotnet pwsh` (.config/dotnet-tools.json) and the tests' pwsh are the same version.</summary>
public sealed class ToolPinTests
{
    [Fact]
    public void The_local_tool_manifest_pins_the_PowerShell_the_tests_run()
    {
        using var manifest = JsonDocument.Parse(File.ReadAllText(Path.Combine(Build.RepositoryRoot, ".config", "dotnet-tools.json")));
        var tool = manifest.RootElement.GetProperty("tools").GetProperty("powershell");
        Assert.Equal(Build.PowerShellVersion, tool.GetProperty("version").GetString());
        Assert.Equal(["pwsh"], tool.GetProperty("commands").EnumerateArray().Select(c => c.GetString()));
    }

    [Fact]
    public void The_tests_pwsh_is_that_version_and_imports_the_pinned_Pester()
    {
        var run = PwshProcess.Run("""
            Import-Module -Name $env:CS_PESTER
            "$($PSVersionTable.PSVersion)|$((Get-Module Pester).Version)"
            """, new Dictionary<string, string?> { ["CS_PESTER"] = Build.PesterManifest });
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal($"{Build.PowerShellVersion}|{Build.PesterVersion}", run.Output.Trim());
    }
}
