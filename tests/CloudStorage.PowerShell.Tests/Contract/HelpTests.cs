using System.Reflection;
using System.Xml.Linq;

namespace CloudStorage.PowerShell.Tests.Contract;

/// <summary>
/// The MAML help shipped in module/en-US is complete: one well-formed command:command per cmdlet with a synopsis, a
/// description, every public parameter (read from the assembly as data) described, and at least two examples.
/// </summary>
public class HelpTests
{
    private static readonly XNamespace Command = "http://schemas.microsoft.com/maml/dev/command/2004/10";
    private static readonly XNamespace Maml = "http://schemas.microsoft.com/maml/2004/10";
    private static readonly XNamespace Dev = "http://schemas.microsoft.com/maml/dev/2004/10";

    private static string HelpPath => Path.Combine(ManifestTests.RepositoryRoot()!, "module", "en-US", "CloudStorage.PowerShell.dll-Help.xml");

    private static readonly Lazy<XDocument> Help = new(() => XDocument.Load(HelpPath));

    public static TheoryData<string> Cmdlets()
    {
        var data = new TheoryData<string>();
        foreach (var type in CmdletMetadata.CmdletTypes) data.Add(Name(type));
        return data;
    }

    private static string Name(Type type) => $"{type.CmdletName().Verb}-{type.CmdletName().Noun}";

    private static XElement? Entry(string cmdlet) =>
        Help.Value.Root!.Elements(Command + "command").SingleOrDefault(c => c.Element(Command + "details")?.Element(Command + "name")?.Value.Trim() == cmdlet);

    [Fact]
    public void The_help_file_is_MAML_named_after_the_root_module()
    {
        // PowerShell looks for <RootModule>-Help.xml in the culture folder next to the module.
        Assert.True(File.Exists(HelpPath), $"{HelpPath} is missing.");
        var root = Help.Value.Root!;
        Assert.Equal("helpItems", root.Name.LocalName);
        Assert.Equal("maml", (string?)root.Attribute("schema"));
        Assert.NotEmpty(root.Elements(Command + "command"));
    }

    [Fact]
    public void The_help_has_no_entries_for_commands_that_do_not_exist()
    {
        var cmdlets = CmdletMetadata.CmdletTypes.Select(Name).ToHashSet();
        foreach (var entry in Help.Value.Root!.Elements(Command + "command"))
        {
            var name = entry.Element(Command + "details")!.Element(Command + "name")!.Value.Trim();
            Assert.True(cmdlets.Contains(name), $"The help describes '{name}', which is not a cmdlet of the module.");
        }
    }

    [Theory]
    [MemberData(nameof(Cmdlets))]
    public void Cmdlet_has_synopsis_description_verb_and_noun(string cmdlet)
    {
        var entry = Entry(cmdlet);
        Assert.True(entry is not null, $"No <command:command> for {cmdlet} in {HelpPath}.");
        var details = entry!.Element(Command + "details")!;
        Assert.Equal(cmdlet, details.Element(Command + "verb")!.Value + "-" + details.Element(Command + "noun")!.Value);
        Assert.False(string.IsNullOrWhiteSpace(details.Element(Maml + "description")?.Value), $"{cmdlet}: no synopsis.");
        Assert.False(string.IsNullOrWhiteSpace(entry.Element(Maml + "description")?.Value), $"{cmdlet}: no description.");
        Assert.NotEmpty(entry.Descendants(Command + "returnValue"));
        Assert.NotEmpty(entry.Descendants(Command + "inputType"));
    }

    [Theory]
    [MemberData(nameof(Cmdlets))]
    public void Every_public_parameter_is_described_with_its_real_attributes(string cmdlet)
    {
        var type = CmdletMetadata.CmdletTypes.Single(t => Name(t) == cmdlet);
        var entry = Entry(cmdlet)!;
        var documented = entry.Element(Command + "parameters")!.Elements(Command + "parameter")
            .ToDictionary(p => p.Element(Maml + "name")!.Value.Trim());
        // -WhatIf/-Confirm are listed as PowerShell's own help lists them; they are not [Parameter] properties.
        foreach (var shouldProcess in new[] { "WhatIf", "Confirm" }) documented.Remove(shouldProcess);
        // DontShow parameters are plumbing (Test-StorageIntegrity's -SyncAction): not documented, as PowerShell's own syntax omits them.
        var parameters = type.Parameters().Where(p => p.Parameter.Named("DontShow") is not true).GroupBy(p => p.Property.Name).ToList();
        foreach (var group in parameters)
        {
            Assert.True(documented.TryGetValue(group.Key, out var help), $"{cmdlet}: -{group.Key} has no help entry.");
            Assert.False(string.IsNullOrWhiteSpace(help!.Element(Maml + "description")?.Value), $"{cmdlet}: -{group.Key} has no description.");
            var mandatory = group.Any(p => p.Parameter.Named("Mandatory") is true);
            Assert.True(mandatory == ((string?)help.Attribute("required") == "true"), $"{cmdlet}: -{group.Key} required=\"{help.Attribute("required")?.Value}\" but Mandatory is {mandatory}.");
            var byValue = group.Any(p => p.Parameter.Named("ValueFromPipeline") is true);
            var byName = group.Any(p => p.Parameter.Named("ValueFromPipelineByPropertyName") is true);
            var pipeline = (string?)help.Attribute("pipelineInput") ?? "";
            Assert.True(byValue == pipeline.Contains("ByValue") && byName == pipeline.Contains("ByPropertyName"),
                $"{cmdlet}: -{group.Key} pipelineInput=\"{pipeline}\" disagrees with the [Parameter] attributes.");
            var position = group.Select(p => p.Parameter.Named("Position")).OfType<int>().Select(p => p.ToString()).FirstOrDefault() ?? "named";
            Assert.Equal(position, (string?)help.Attribute("position"));
            var aliases = group.First().Property.Aliases().ToList();
            Assert.Equal(aliases.Count == 0 ? "none" : string.Join(", ", aliases), (string?)help.Attribute("aliases"));
        }
        Assert.Empty(documented.Keys.Except(parameters.Select(g => g.Key)));
    }

    [Theory]
    [MemberData(nameof(Cmdlets))]
    public void Syntax_has_one_item_per_parameter_set_with_that_sets_parameters(string cmdlet)
    {
        // Get-Help prints one syntax line per syntaxItem: as many as the cmdlet has parameter sets, default first,
        // each with exactly the parameters of its set and their Mandatory/Position in that set.
        var type = CmdletMetadata.CmdletTypes.Single(t => Name(t) == cmdlet);
        var hidden = type.Parameters().Where(p => p.Parameter.Named("DontShow") is true).Select(p => p.Property.Name).ToHashSet();
        var sets = type.ParameterSets().Select(set => set with { Parameters = set.Parameters.Where(p => !hidden.Contains(p.Name)).ToList() }).ToList();
        var items = Entry(cmdlet)!.Element(Command + "syntax")!.Elements(Command + "syntaxItem").ToList();
        Assert.True(sets.Count == items.Count, $"{cmdlet} has {sets.Count} parameter sets ({string.Join(", ", sets.Select(s => s.Name))}) but {items.Count} syntaxItems.");
        var itemParameters = items.Select(item => item.Elements(Command + "parameter")
            .Where(p => p.Element(Maml + "name")!.Value.Trim() is not ("WhatIf" or "Confirm"))
            .ToDictionary(p => p.Element(Maml + "name")!.Value.Trim())).ToList();
        for (var i = 0; i < sets.Count; i++)
        {
            Assert.Equal(cmdlet, items[i].Element(Maml + "name")?.Value.Trim());
            // The default set comes first (Get-Help prints it first); the others in any order.
            var names = sets[i].Parameters.Select(p => p.Name).Order().ToList();
            var documented = i == 0 ? itemParameters[0] : itemParameters.FirstOrDefault(d => d.Keys.Order().SequenceEqual(names)) ?? itemParameters[i];
            Assert.True(names.SequenceEqual(documented.Keys.Order()),
                $"{cmdlet} syntaxItem {i + 1} lists {string.Join(", ", documented.Keys)}; set '{sets[i].Name}' has {string.Join(", ", sets[i].Parameters.Select(p => p.Name))}."); 
            foreach (var parameter in sets[i].Parameters)
            {
                var help = documented[parameter.Name];
                Assert.True(parameter.Mandatory == ((string?)help.Attribute("required") == "true"),
                    $"{cmdlet} set '{sets[i].Name}': -{parameter.Name} required=\"{help.Attribute("required")?.Value}\" but Mandatory is {parameter.Mandatory}.");
                Assert.Equal(parameter.Position?.ToString() ?? "named", (string?)help.Attribute("position"));
            }
        }
    }

    [Theory]
    [MemberData(nameof(Cmdlets))]
    public void Cmdlet_has_at_least_two_examples_using_it(string cmdlet)
    {
        var examples = Entry(cmdlet)!.Descendants(Command + "example").ToList();
        Assert.True(examples.Count >= 2, $"{cmdlet} has {examples.Count} examples; at least 2 are needed.");
        foreach (var example in examples)
        {
            var code = example.Element(Dev + "code")?.Value ?? "";
            Assert.Contains(cmdlet, code);
            Assert.False(string.IsNullOrWhiteSpace(example.Element(Dev + "remarks")?.Value), $"{cmdlet}: an example has no remarks.");
        }
    }

    [Fact]
    public void The_about_topic_has_the_runbook_recipes()
    {
        var about = File.ReadAllText(Path.Combine(ManifestTests.RepositoryRoot()!, "module", "en-US", "about_CloudStorage.help.txt"));
        foreach (var recipe in new[] { "CLEANING UP OLD OBJECTS", "STORAGE STATISTICS", "MIGRATING BETWEEN CLOUDS", "REPLICATION" })
            Assert.Contains(recipe, about);
        Assert.Contains("Measure-Object", about);
    }
}
