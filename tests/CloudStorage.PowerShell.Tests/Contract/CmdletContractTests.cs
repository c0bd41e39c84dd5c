using System.Reflection;

namespace CloudStorage.PowerShell.Tests.Contract;

public class CmdletContractTests
{
    // PowerShell's approved verbs (Get-Verb): VerbsCommon, VerbsCommunications, VerbsData, VerbsDiagnostic,
    // VerbsLifecycle, VerbsOther, VerbsSecurity.
    private static readonly HashSet<string> ApprovedVerbs = new(StringComparer.Ordinal)
    {
        "Add", "Clear", "Close", "Copy", "Enter", "Exit", "Find", "Format", "Get", "Hide", "Join", "Lock", "Move", "New", "Open",
        "Optimize", "Pop", "Push", "Redo", "Remove", "Rename", "Reset", "Resize", "Search", "Select", "Set", "Show", "Skip",
        "Split", "Step", "Switch", "Undo", "Unlock", "Watch",
        "Connect", "Disconnect", "Read", "Receive", "Send", "Write",
        "Backup", "Checkpoint", "Compare", "Compress", "Convert", "ConvertFrom", "ConvertTo", "Dismount", "Edit", "Expand",
        "Export", "Group", "Import", "Initialize", "Limit", "Merge", "Mount", "Out", "Publish", "Restore", "Save", "Sync",
        "Unpublish", "Update",
        "Debug", "Measure", "Ping", "Repair", "Resolve", "Test", "Trace",
        "Approve", "Assert", "Build", "Complete", "Confirm", "Deny", "Deploy", "Disable", "Enable", "Install", "Invoke",
        "Register", "Request", "Restart", "Resume", "Start", "Stop", "Submit", "Suspend", "Uninstall", "Unregister", "Wait",
        "Use",
        "Block", "Grant", "Protect", "Revoke", "Unblock", "Unprotect",
    };

    // The cmdlets that change stored data, local files or the provider registry.
    private static readonly HashSet<string> DataChanging =
    [
        "Send-StorageObject", "Get-StorageObject", "Copy-StorageObject", "Remove-StorageObject", "Sync-StorageProvider",
        "Register-StorageRemote", "Unregister-StorageRemote",
    ];

    private static readonly string[] Expected =
    [
        "Copy-StorageObject", "Get-StorageItem", "Get-StorageObject", "Get-StorageRemote", "New-StoragePresignedUrl",
        "Register-StorageRemote", "Remove-StorageObject", "Send-StorageObject", "Sync-StorageProvider",
        "Test-StorageHealth", "Test-StorageIntegrity", "Unregister-StorageRemote",
    ];

    public static TheoryData<string> Cmdlets() => new(CmdletMetadata.CmdletTypes.Select(t => t.Name));

    private static Type Cmdlet(string name) => CmdletMetadata.CmdletTypes.Single(t => t.Name == name);

    [Fact]
    public void The_module_has_exactly_the_designed_cmdlets()
    {
        var names = CmdletMetadata.CmdletTypes.Select(t => t.CmdletName()).Select(n => $"{n.Verb}-{n.Noun}").Order(StringComparer.Ordinal);
        Assert.Equal(Expected, names);
    }

    [Theory]
    [MemberData(nameof(Cmdlets))]
    public void Verbs_are_approved(string type) => Assert.Contains(Cmdlet(type).CmdletName().Verb, ApprovedVerbs);

    [Theory]
    [MemberData(nameof(Cmdlets))]
    public void Class_names_are_VerbNounCommand_in_the_Cmdlets_namespace(string type)
    {
        var t = Cmdlet(type);
        var (verb, noun) = t.CmdletName();
        Assert.Equal(verb + noun + "Command", t.Name);
        Assert.Equal("CloudStorage.PowerShell.Cmdlets", t.Namespace);
        Assert.StartsWith("Storage", noun);
    }

    [Theory]
    [MemberData(nameof(Cmdlets))]
    public void Cmdlets_are_public_sealed_and_derive_from_the_humble_base(string type)
    {
        var t = Cmdlet(type);
        Assert.True(t.IsPublic && t.IsSealed);
        Assert.Equal("CloudStorage.PowerShell.Infrastructure.StorageCmdletBase", t.BaseType!.FullName);
    }

    [Theory]
    [MemberData(nameof(Cmdlets))]
    public void Data_changing_cmdlets_support_ShouldProcess_and_the_others_do_not(string type)
    {
        var t = Cmdlet(type);
        var (verb, noun) = t.CmdletName();
        var supports = t.Attribute("CmdletAttribute")!.Named("SupportsShouldProcess") is true;
        Assert.Equal(DataChanging.Contains($"{verb}-{noun}"), supports);
    }

    [Theory]
    [MemberData(nameof(Cmdlets))]
    public void Every_cmdlet_declares_its_output_types(string type)
    {
        var outputs = Cmdlet(type).Attributes("OutputTypeAttribute").ToList();
        Assert.NotEmpty(outputs);
        Assert.All(outputs, o => Assert.NotEmpty((IEnumerable<CustomAttributeTypedArgument>)o.ConstructorArguments[0].Value!));
    }

    [Theory]
    [MemberData(nameof(Cmdlets))]
    public void Parameter_sets_are_declared_and_positions_unique_per_set(string type)
    {
        var t = Cmdlet(type);
        var parameters = t.Parameters().ToList();
        var named = parameters.Select(p => p.Parameter.Named("ParameterSetName") as string).Where(n => n is not null).Distinct().ToList();
        var defaultSet = t.Attribute("CmdletAttribute")!.Named("DefaultParameterSetName") as string;
        // Register-StorageRemote has none on purpose: PowerShell binds a pipeline object to the default set first, so a
        // piped ProviderRegistration would bind Name and Uri by property name (a replicated one becoming a plain
        // provider over its primary) instead of the whole object to -InputObject.
        if (named.Count > 1 && type != "RegisterStorageRemoteCommand") Assert.Contains(defaultSet, named);
        if (defaultSet is not null) Assert.Contains(defaultSet, named);

        // The constants name exactly the sets in use.
        var constants = t.GetFields(BindingFlags.Public | BindingFlags.Static)
            .Where(f => f.IsLiteral && f.Name.EndsWith("ParameterSet", StringComparison.Ordinal))
            .Select(f => (string)f.GetRawConstantValue()!).Order().ToList();
        Assert.Equal(named.Order()!, constants);

        foreach (var set in named.DefaultIfEmpty("__AllParameterSets"))
        {
            var positions = parameters
                .Where(p => p.Parameter.Named("ParameterSetName") is not string s || s == set)
                .Select(p => p.Parameter.Named("Position"))
                .OfType<int>().ToList();
            Assert.Equal(positions.Distinct().Count(), positions.Count);
        }
    }

    [Theory]
    [MemberData(nameof(Cmdlets))]
    public void Switches_are_SwitchParameters_and_no_parameter_is_a_plain_bool(string type)
    {
        foreach (var (property, _) in Cmdlet(type).Parameters())
            Assert.NotEqual("System.Boolean", property.PropertyType.FullName);
    }

    // The cmdlets whose -Uri names stored objects (Register-StorageRemote's -Uri is a provider root, after -Name).
    public static TheoryData<string> ObjectCmdlets() => new(CmdletMetadata.CmdletTypes
        .Where(t => t.GetProperty("Uri") is not null && t.Name != "RegisterStorageRemoteCommand").Select(t => t.Name));

    [Theory]
    [MemberData(nameof(ObjectCmdlets))]
    public void A_Uri_parameter_is_mandatory_at_position_0_and_binds_from_the_pipeline(string type)
    {
        var uri = Cmdlet(type).Parameters().Where(p => p.Property.Name == "Uri").ToList();
        Assert.NotEmpty(uri);
        Assert.All(uri, p =>
        {
            Assert.Equal(true, p.Parameter.Named("ValueFromPipelineByPropertyName"));
            Assert.Equal(true, p.Parameter.Named("Mandatory"));
            Assert.Equal(0, p.Parameter.Named("Position"));
        });
        Assert.Equal("System.String[]", Cmdlet(type).GetProperty("Uri")!.PropertyType.FullName);
    }

    [Fact]
    public void Send_StorageObject_LiteralPath_has_the_Get_ChildItem_aliases_and_Path_takes_strings()
    {
        // As Copy-Item: Get-ChildItem output binds PSPath (or FullName) to -LiteralPath, so its names are never
        // read as wildcards; strings bind to -Path by value.
        var literal = Cmdlet("SendStorageObjectCommand").GetProperty("LiteralPath")!;
        Assert.Equal(["PSPath", "LP", "FullName"], literal.Aliases());
        var literalParameter = literal.Attribute("ParameterAttribute")!;
        Assert.Equal((true, "LiteralPath"), (literalParameter.Named("ValueFromPipelineByPropertyName"), literalParameter.Named("ParameterSetName")));
        var path = Cmdlet("SendStorageObjectCommand").GetProperty("Path")!;
        Assert.Empty(path.Aliases());
        var parameter = path.Attribute("ParameterAttribute")!;
        Assert.Equal((true, true, 0, "Path"), (parameter.Named("ValueFromPipeline"), parameter.Named("ValueFromPipelineByPropertyName"), parameter.Named("Position"), parameter.Named("ParameterSetName")));
    }

    [Fact]
    public void Remove_StorageObject_confirms_with_medium_impact()
    {
        var impact = Cmdlet("RemoveStorageObjectCommand").Attribute("CmdletAttribute")!.Named("ConfirmImpact");
        Assert.Equal(2, Convert.ToInt32(impact)); // ConfirmImpact.Medium
    }

    [Theory]
    [InlineData("CloudStorage.Core.Model.StorageItem", "CopyStorageObjectCommand")]
    [InlineData("CloudStorage.Core.Model.StorageItem", "GetStorageObjectCommand")]
    [InlineData("CloudStorage.Core.Model.StorageItem", "TestStorageIntegrityCommand")]
    [InlineData("CloudStorage.Core.Model.StorageItem", "NewStoragePresignedUrlCommand")]
    [InlineData("CloudStorage.Core.Model.StorageItem", "RemoveStorageObjectCommand")]
    [InlineData("CloudStorage.Core.Model.StorageItem", "GetStorageItemCommand")]
    [InlineData("CloudStorage.Core.Model.SyncAction", "TestStorageIntegrityCommand")]
    [InlineData("CloudStorage.Core.Model.IntegrityResult", "GetStorageItemCommand")]
    [InlineData("System.IO.FileInfo", "SendStorageObjectCommand")]
    [InlineData("CloudStorage.Core.Addressing.ProviderRegistration", "UnregisterStorageRemoteCommand")]
    public void Output_objects_bind_to_the_next_cmdlet_by_property_name(string outputType, string cmdlet)
    {
        var output = outputType.StartsWith("System.", StringComparison.Ordinal) ? CmdletMetadata.SystemType(outputType) : CmdletMetadata.Type(outputType);
        var properties = output.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.PropertyType.FullName == "System.String")
            .Select(p => p.Name).ToHashSet(StringComparer.OrdinalIgnoreCase);
        var bindable = Cmdlet(cmdlet).Parameters()
            .Where(p => p.Parameter.Named("ValueFromPipelineByPropertyName") is true)
            .Where(p => p.Property.PropertyType.FullName is "System.String" or "System.String[]")
            .SelectMany(p => p.Property.Aliases().Prepend(p.Property.Name))
            .ToList();
        Assert.Contains(bindable, properties.Contains);
    }

    [Fact]
    public void Get_StorageObject_declares_one_output_type_per_parameter_set()
    {
        var outputs = Cmdlet("GetStorageObjectCommand").Attributes("OutputTypeAttribute")
            .Select(a => (Set: ((object?[])a.Named("ParameterSetName")!).Single(),
                          Type: ((IEnumerable<CustomAttributeTypedArgument>)a.ConstructorArguments[0].Value!).Single().Value!.ToString()))
            .OrderBy(o => o.Set).ToList();
        Assert.Equal([("AsByteArray", "System.Byte[]"), ("AsString", "System.String"), ("ToFile", "System.IO.FileInfo")], outputs);
    }

    [Fact]
    public void Sync_StorageProvider_declares_actions_and_the_summary()
    {
        var types = Cmdlet("SyncStorageProviderCommand").Attributes("OutputTypeAttribute")
            .SelectMany(a => (IEnumerable<CustomAttributeTypedArgument>)a.ConstructorArguments[0].Value!)
            .Select(t => t.Value!.ToString()).Order().ToList();
        Assert.Equal(["CloudStorage.Core.Model.SyncAction", "CloudStorage.Core.Model.SyncSummary"], types);
    }
}
