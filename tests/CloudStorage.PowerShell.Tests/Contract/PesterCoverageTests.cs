using System.Text.RegularExpressions;

namespace CloudStorage.PowerShell.Tests.Contract;

/// <summary>
/// The Pester suite (tests/Pester, run by build.ps1 where pwsh and Pester exist) has one file per cmdlet and, in it, a
/// test for every parameter set. The convention: an <c>It</c> that exercises a set carries the tag
/// <c>-Tag 'ParameterSet:&lt;name&gt;'</c>, with the name PowerShell reports (<c>(Get-Command X).ParameterSets.Name</c>;
/// <c>__AllParameterSets</c> for a cmdlet without named sets), and calls the cmdlet with the parameters that select the
/// set. The names are read from the assembly, so a new set without a Pester test fails here.
/// </summary>
public sealed partial class PesterCoverageTests
{
    private static string PesterDir => Path.Combine(ManifestTests.RepositoryRoot()!, "tests", "Pester");

    public static TheoryData<string, string> ParameterSets()
    {
        var data = new TheoryData<string, string>();
        foreach (var type in CmdletMetadata.CmdletTypes)
            foreach (var set in type.ParameterSets())
                data.Add($"{type.CmdletName().Verb}-{type.CmdletName().Noun}", set.Name);
        return data;
    }

    [Fact]
    public void Every_cmdlet_has_its_own_Pester_file_and_every_Pester_file_a_cmdlet()
    {
        var cmdlets = CmdletMetadata.CmdletTypes.Select(t => $"{t.CmdletName().Verb}-{t.CmdletName().Noun}").ToHashSet();
        var files = Directory.GetFiles(PesterDir, "*.Tests.ps1").Select(f => Path.GetFileName(f)[..^".Tests.ps1".Length]).ToHashSet();
        Assert.Empty(cmdlets.Except(files));
        // Module.Tests.ps1 and Module.<Topic>.Tests.ps1 test the module as a whole (paths, help, objects, progress).
        var strays = files.Except(cmdlets).Where(f => f != "Module" && !f.StartsWith("Module.", StringComparison.Ordinal)).ToList();
        Assert.Empty(strays);
    }

    [Theory]
    [MemberData(nameof(ParameterSets))]
    public void Parameter_set_has_a_tagged_Pester_test_that_calls_the_cmdlet_in_that_set(string cmdlet, string setName)
    {
        var set = CmdletMetadata.CmdletTypes.Single(t => $"{t.CmdletName().Verb}-{t.CmdletName().Noun}" == cmdlet)
            .ParameterSets().Single(s => s.Name == setName);
        var tests = ItBlocks(File.ReadAllText(Path.Combine(PesterDir, cmdlet + ".Tests.ps1")))
            .Where(t => t.Tags.Contains("ParameterSet:" + setName)).ToList();

        Assert.True(tests.Count > 0, $"tests/Pester/{cmdlet}.Tests.ps1 has no It with -Tag 'ParameterSet:{setName}'.");
        var selectors = set.NamedSelectors.ToList();
        Assert.True(tests.Any(t => t.Body.Contains(cmdlet, StringComparison.OrdinalIgnoreCase)
                && selectors.All(p => Regex.IsMatch(t.Body, $@"-{p}\b", RegexOptions.IgnoreCase))),
            $"No It tagged ParameterSet:{setName} in {cmdlet}.Tests.ps1 calls {cmdlet}" + (selectors.Count > 0 ? $" with {string.Join(", ", selectors.Select(p => "-" + p))}." : "."));
    }

    [Fact]
    public void Parameter_set_tags_name_real_sets()
    {
        foreach (var type in CmdletMetadata.CmdletTypes)
        {
            var cmdlet = $"{type.CmdletName().Verb}-{type.CmdletName().Noun}";
            var sets = type.ParameterSets().Select(s => "ParameterSet:" + s.Name).ToHashSet();
            foreach (var tag in ItBlocks(File.ReadAllText(Path.Combine(PesterDir, cmdlet + ".Tests.ps1"))).SelectMany(t => t.Tags).Where(t => t.StartsWith("ParameterSet:", StringComparison.Ordinal)))
                Assert.True(sets.Contains(tag), $"{cmdlet}.Tests.ps1 has the tag '{tag}', which is not a parameter set of {cmdlet}.");
        }
    }

    [Fact]
    public void It_blocks_and_their_tags_are_read_as_Pester_sees_them()
    {
        var blocks = ItBlocks("""
            Describe 'X' {
                It 'one' -Tag 'ParameterSet:A', 'Slow' {
                    Get-X -A
                }

                It 'two' {
                    Get-X
                }
            }
            """);
        Assert.Equal(2, blocks.Count);
        Assert.Equal(["ParameterSet:A", "Slow"], blocks[0].Tags);
        Assert.Contains("Get-X -A", blocks[0].Body);
        Assert.DoesNotContain("Get-X -A", blocks[1].Body);
        Assert.Empty(blocks[1].Tags);
    }

    /// <summary>Each <c>It '...' [-Tag ...] {</c> with its body up to the closing brace at the same indentation.</summary>
    internal static List<(string Name, List<string> Tags, string Body)> ItBlocks(string text)
    {
        var lines = text.Replace("\r\n", "\n").Split('\n');
        var blocks = new List<(string, List<string>, string)>();
        for (var i = 0; i < lines.Length; i++)
        {
            var m = ItLine().Match(lines[i]);
            if (!m.Success) continue;
            var tags = new List<string>();
            var tagPart = TagPart().Match(m.Groups["rest"].Value);
            if (tagPart.Success)
                tags.AddRange(Quoted().Matches(tagPart.Groups["list"].Value).Select(q => q.Groups[1].Value));
            var indent = m.Groups["indent"].Value;
            var end = i + 1;
            while (end < lines.Length && lines[end] != indent + "}") end++;
            blocks.Add((m.Groups["name"].Value, tags, string.Join('\n', lines[i..Math.Min(end + 1, lines.Length)])));
        }
        return blocks;
    }

    [GeneratedRegex(@"^(?<indent>\s*)It\s+'(?<name>(?:[^']|'')*)'(?<rest>.*)\{\s*$")]
    private static partial Regex ItLine();

    [GeneratedRegex(@"-Tag\s+(?<list>'[^']*'(?:\s*,\s*'[^']*')*)")]
    private static partial Regex TagPart();

    [GeneratedRegex(@"'([^']*)'")]
    private static partial Regex Quoted();
}
