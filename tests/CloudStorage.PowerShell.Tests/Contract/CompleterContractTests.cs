namespace CloudStorage.PowerShell.Tests.Contract;

/// <summary>Every address parameter completes addresses, and -Name of the provider cmdlets completes provider names.</summary>
public class CompleterContractTests
{
    private static readonly HashSet<string> AddressParameters = ["Uri", "Source", "Destination", "Reference"];

    public static TheoryData<string, string, string> CompletedParameters()
    {
        var data = new TheoryData<string, string, string>();
        foreach (var type in CmdletMetadata.CmdletTypes)
        {
            var (verb, noun) = type.CmdletName();
            var cmdlet = $"{verb}-{noun}";
            foreach (var property in type.Parameters().Select(p => p.Property).DistinctBy(p => p.Name))
            {
                if (AddressParameters.Contains(property.Name) && !(cmdlet == "Send-StorageObject" && property.Name == "Uri"))
                    data.Add(cmdlet, property.Name, "AddressArgumentCompleter");
                else if (property.Name == "Name" && noun == "StorageRemote" && verb is "Get" or "Unregister")
                    data.Add(cmdlet, property.Name, "ProviderNameArgumentCompleter");
            }
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(CompletedParameters))]
    public void Parameter_has_its_argument_completer(string cmdlet, string parameter, string completer)
    {
        var type = CmdletMetadata.CmdletTypes.Single(t => $"{t.CmdletName().Verb}-{t.CmdletName().Noun}" == cmdlet);
        var attribute = type.GetProperty(parameter)!.Attribute("ArgumentCompleterAttribute");
        Assert.True(attribute is not null, $"{cmdlet} -{parameter} has no [ArgumentCompleter].");
        var completerType = attribute!.ConstructorArguments.Single().Value as Type;
        Assert.Equal(completer, completerType?.Name);
    }

    [Fact]
    public void Every_cmdlet_with_an_address_parameter_is_covered()
    {
        var covered = CompletedParameters().Select(row => (string)row[0]).ToHashSet();
        Assert.Equal(12, covered.Count); // Test-StorageHealth -Uri is the twelfth
    }
}
