using System.Collections;
using System.Management.Automation;
using CloudStorage.Core.Addressing;
using CloudStorage.PowerShell.Cmdlets;
using CloudStorage.PowerShell.Infrastructure;
using CloudStorage.PowerShell.Tests.Support;

namespace CloudStorage.PowerShell.Tests.Cmdlets;

public sealed class ProviderRegistrationTests : IDisposable
{
    private readonly TestStores _s = new();
    public void Dispose() => _s.Dispose();

    private RecordingContext Run(StorageCmdletBase cmd, RecordingContext? ctx = null) => cmd.Invoke(ctx ?? _s.Context());

    [Fact]
    public void Register_makes_the_name_resolvable_and_PassThru_writes_the_registration()
    {
        var ctx = Run(new RegisterStorageRemoteCommand { Name = "backup", Uri = "mem://b/root/", Option = new Hashtable { ["region"] = "eu-west-1" } }.With("PassThru"));
        var registration = Assert.IsType<ProviderRegistration>(Assert.Single(ctx.Output));
        Assert.Equal(("backup", "mem://b/root/", "eu-west-1", "mem"), (registration.Name, registration.Uri, registration.Options["Region"], registration.ProviderType));
        Assert.Equal("backup:x", _s.Registry.Resolve("backup:x").Uri);
    }

    [Fact]
    public void Register_without_PassThru_writes_nothing()
    {
        var ctx = Run(new RegisterStorageRemoteCommand { Name = "quiet", Uri = "mem://q/" });
        Assert.Empty(ctx.Output);
        Assert.Single(_s.Registry.GetRegistrations("quiet"));
    }

    [Fact]
    public void A_taken_name_is_ResourceExists_unless_Force()
    {
        _s.Registry.Register("dup", "mem://one/");
        var ctx = Run(new RegisterStorageRemoteCommand { Name = "dup", Uri = "mem://two/" });
        Assert.Equal(("StorageAlreadyExists", ErrorCategory.ResourceExists, "dup"), (ctx.Errors.Single().ErrorId, ctx.Errors.Single().Category, ctx.Errors.Single().TargetObject));
        Assert.Equal("mem://one/", _s.Registry.GetRegistrations("dup").Single().Uri);
        Run(new RegisterStorageRemoteCommand { Name = "dup", Uri = "mem://two/" }.With("Force"));
        Assert.Equal("mem://two/", _s.Registry.GetRegistrations("dup").Single().Uri);
    }

    [Fact]
    public void An_invalid_name_is_InvalidArgument()
    {
        var ctx = Run(new RegisterStorageRemoteCommand { Name = "C", Uri = "mem://x/" });
        Assert.Equal(ErrorCategory.InvalidArgument, Assert.Single(ctx.Errors).Category);
        Assert.Empty(_s.Registry.GetRegistrations());
    }

    [Fact]
    public void Credential_options_are_refused_without_echoing_the_value()
    {
        // The registry's rule (SecretOptionNames): one non-terminating InvalidArgument error naming the option only.
        var ctx = Run(new RegisterStorageRemoteCommand { Name = "cloud", Uri = "mem://x/", Option = new Hashtable { ["Secret_Access_Key"] = "hunter2" } });
        var error = Assert.Single(ctx.Errors);
        Assert.Equal(ErrorCategory.InvalidArgument, error.Category);
        Assert.Contains("Secret_Access_Key", error.Exception.Message);
        Assert.DoesNotContain("hunter2", error.Exception.ToString());
        Assert.Empty(_s.Registry.GetRegistrations());
    }

    [Fact]
    public void A_relative_local_root_is_made_absolute_against_the_current_directory()
    {
        Run(new RegisterStorageRemoteCommand { Name = "here", Uri = "data" });
        Assert.Equal(Path.Combine(_s.Temp, "data"), _s.Registry.GetRegistrations("here").Single().Uri);
    }

    [Fact]
    public void WhatIf_registers_nothing()
    {
        var ctx = _s.Context();
        ctx.WhatIfRequested = true;
        Run(new RegisterStorageRemoteCommand { Name = "maybe", Uri = "mem://m/" }.With("PassThru"), ctx);
        Assert.Equal("maybe", Assert.Single(ctx.Questions).Target);
        Assert.Empty(_s.Registry.GetRegistrations());
        Assert.Empty(ctx.Output);
    }

    [Fact]
    public void Persist_writes_the_config_file_and_Unregister_Persist_removes_it()
    {
        var path = Path.Combine(_s.Temp, "providers.json");
        var registry = new ProviderRegistry(new ProviderConfigFile(path));
        var ctx = new RecordingContext(registry, _s.Temp);
        new RegisterStorageRemoteCommand { Name = "saved", Uri = "mem://s/" }.With("Persist").Invoke(ctx);
        Assert.Contains("\"saved\"", File.ReadAllText(path));
        Assert.Contains(path, ctx.Questions.Single().Action);
        Assert.Single(new ProviderRegistry(new ProviderConfigFile(path)).GetRegistrations("saved"));

        new UnregisterStorageRemoteCommand { Name = ["saved"] }.With("Persist").Invoke(ctx);
        Assert.DoesNotContain("\"saved\"", File.ReadAllText(path));
        Assert.Empty(registry.GetRegistrations());
    }

    [Fact]
    public void Persist_without_a_config_file_is_a_Configuration_error()
    {
        var ctx = Run(new RegisterStorageRemoteCommand { Name = "nofile", Uri = "mem://n/" }.With("Persist"));
        Assert.Equal(("StorageConfiguration", ErrorCategory.InvalidOperation), (ctx.Errors.Single().ErrorId, ctx.Errors.Single().Category));
    }

    [Fact]
    public void Get_lists_all_sorted_or_those_matching_a_wildcard()
    {
        _s.Registry.Register("zeta", "mem://z/");
        _s.Registry.Register("alpha", "mem://a/");
        _s.Registry.Register("alps", "mem://b/");
        var all = Run(new GetStorageRemoteCommand());
        Assert.Equal(["alpha", "alps", "zeta"], all.OutputOf<ProviderRegistration>().Select(r => r.Name));
        var some = Run(new GetStorageRemoteCommand { Name = ["al*", "alpha"] });
        Assert.Equal(["alpha", "alps"], some.OutputOf<ProviderRegistration>().Select(r => r.Name));
    }

    [Fact]
    public void Get_of_an_unknown_literal_name_is_ObjectNotFound_but_an_unmatched_wildcard_is_not()
    {
        _s.Registry.Register("known", "mem://k/");
        var ctx = Run(new GetStorageRemoteCommand { Name = ["unknown", "nothing*", "known"] });
        var error = Assert.Single(ctx.Errors);
        Assert.Equal(("StorageNotFound", ErrorCategory.ObjectNotFound, "unknown"), (error.ErrorId, error.Category, error.TargetObject));
        Assert.Equal("known", ctx.OutputOf<ProviderRegistration>().Single().Name);
    }

    [Fact]
    public void Unregister_removes_names_and_reports_unknown_ones()
    {
        _s.Registry.Register("one", "mem://1/");
        _s.Registry.Register("two", "mem://2/");
        var ctx = Run(new UnregisterStorageRemoteCommand { Name = ["one", "ghost", "TWO"] }.With("PassThru"));
        Assert.Equal(["one", "two"], ctx.OutputOf<ProviderRegistration>().Select(r => r.Name));
        Assert.Equal(("ghost", ErrorCategory.ObjectNotFound), (ctx.Errors.Single().TargetObject, ctx.Errors.Single().Category));
        Assert.Empty(_s.Registry.GetRegistrations());
    }

    [Fact]
    public void A_declined_Unregister_keeps_the_provider()
    {
        _s.Registry.Register("keep", "mem://k/");
        var ctx = _s.Context();
        ctx.ShouldProcessAnswer = false;
        Run(new UnregisterStorageRemoteCommand { Name = ["keep"] }, ctx);
        Assert.Single(_s.Registry.GetRegistrations("keep"));
    }
}
