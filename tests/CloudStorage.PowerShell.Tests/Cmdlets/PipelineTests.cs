using System.Management.Automation;
using CloudStorage.Addressing;
using CloudStorage.Model;
using CloudStorage.PowerShell.Cmdlets;
using CloudStorage.Tests.PowerShell.Support;

namespace CloudStorage.Tests.PowerShell.Cmdlets;

/// <summary>Pipelines simulated by binding one cmdlet's output to the next by property name, as PowerShell does.</summary>
public sealed class PipelineTests : IDisposable
{
    private readonly TestStores _s = new();
    public void Dispose() => _s.Dispose();

    private async Task<List<object?>> ListAsync(string uri)
    {
        await _s.PutAsync("mem://t/in/a.txt", "a");
        await _s.PutAsync("mem://t/in/b.txt", "bb");
        return new GetStorageItemCommand { Uri = [uri] }.With("Recurse").Invoke(_s.Context()).Output;
    }

    [Fact]
    public async Task Get_StorageItem_into_Copy_StorageObject()
    {
        var items = await ListAsync("mem://t/in/");
        var ctx = new CopyStorageObjectCommand { Destination = "mem://u/out/" }.Pipe(_s.Context(), items);
        Assert.Equal(["mem://u/out/a.txt", "mem://u/out/b.txt"], ctx.OutputOf<StorageItem>().Select(i => i.Uri));
    }

    [Fact]
    public async Task Get_StorageItem_into_Get_StorageObject_AsString()
    {
        var items = await ListAsync("mem://t/in/");
        var ctx = new GetStorageObjectCommand().With("AsString").Pipe(_s.Context(), items);
        Assert.Equal(["a", "bb"], ctx.Output);
    }

    [Fact]
    public async Task Get_StorageItem_into_Get_StorageObject_to_a_folder()
    {
        var items = await ListAsync("mem://t/in/");
        var dir = Directory.CreateDirectory(Path.Combine(_s.Temp, "dl")).FullName;
        var ctx = new GetStorageObjectCommand { Destination = dir }.Pipe(_s.Context(), items);
        Assert.Equal(["a.txt", "b.txt"], ctx.OutputOf<FileInfo>().Select(f => f.Name));
        Assert.Equal("bb", File.ReadAllText(Path.Combine(dir, "b.txt")));
    }

    [Fact]
    public async Task Get_StorageItem_into_Test_StorageIntegrity_against_a_reference_folder()
    {
        await _s.PutAsync("mem://ref/a.txt", "a");
        await _s.PutAsync("mem://ref/b.txt", "XX");
        var items = await ListAsync("mem://t/in/");
        var ctx = new TestStorageIntegrityCommand { Reference = "mem://ref/" }.Pipe(_s.Context(), items);
        Assert.Equal([IntegrityStatus.Match, IntegrityStatus.Mismatch], ctx.OutputOf<IntegrityResult>().Select(r => r.Status));
    }

    [Fact]
    public async Task Get_StorageItem_into_New_StoragePresignedUrl_fails_per_item_on_memory()
    {
        var items = await ListAsync("mem://t/in/");
        var ctx = new NewStoragePresignedUrlCommand().Pipe(_s.Context(), items);
        Assert.Equal(["mem://t/in/a.txt", "mem://t/in/b.txt"], ctx.Errors.Select(e => e.TargetObject));
        Assert.All(ctx.Errors, e => Assert.Equal(ErrorCategory.NotImplemented, e.Category));
    }

    [Fact]
    public async Task Get_StorageItem_into_Remove_StorageObject()
    {
        var items = await ListAsync("mem://t/in/");
        await _s.PutAsync("mem://t/keep", "k");
        var ctx = new RemoveStorageObjectCommand().Pipe(_s.Context(), items);
        Assert.Empty(ctx.Errors);
        Assert.Equal(["keep"], await _s.KeysAsync("mem://t/"));
    }

    [Fact]
    public async Task Get_StorageItem_into_Get_StorageItem()
    {
        var items = await ListAsync("mem://t/in/");
        var ctx = new GetStorageItemCommand().Pipe(_s.Context(), items);
        Assert.Equal(items.Cast<StorageItem>().Select(i => i.Uri), ctx.OutputOf<StorageItem>().Select(i => i.Uri));
    }

    [Fact]
    public async Task Strings_pipe_into_Uri_by_value()
    {
        await ListAsync("mem://t/in/");
        var ctx = new GetStorageObjectCommand().With("AsString").Pipe(_s.Context(), ["mem://t/in/a.txt"]);
        Assert.Equal(["a"], ctx.Output);
    }

    [Fact]
    public async Task Sync_actions_into_Test_StorageIntegrity_check_each_copy_against_its_source()
    {
        await _s.PutAsync("mem://src/a", "a");
        await _s.PutAsync("mem://src/b", "b");
        var sync = new SyncStorageProviderCommand { Source = "mem://src/", Destination = "mem://dst/" }.Invoke(_s.Context());
        var actions = sync.OutputOf<SyncAction>().ToList();
        var ctx = new TestStorageIntegrityCommand().Pipe(_s.Context(), actions);
        var results = ctx.OutputOf<IntegrityResult>().ToList();
        Assert.Equal(2, results.Count);
        Assert.All(results, r => Assert.Equal(IntegrityStatus.Match, r.Status));
        Assert.Equal(["mem://src/a", "mem://src/b"], results.Select(r => r.ReferenceUri).Order());
    }

    [Fact]
    public async Task Integrity_results_into_Get_StorageItem()
    {
        await _s.PutAsync("mem://a/x", "x");
        await _s.PutAsync("mem://b/x", "x");
        var check = new TestStorageIntegrityCommand { Uri = ["mem://a/x"], Reference = "mem://b/x" }.Invoke(_s.Context());
        var ctx = new GetStorageItemCommand().Pipe(_s.Context(), check.Output);
        Assert.Equal("mem://a/x", ctx.OutputOf<StorageItem>().Single().Uri);
    }

    [Fact]
    public void FileInfo_into_Send_StorageObject()
    {
        var files = new[] { _s.WriteFile("x.txt", "x"), _s.WriteFile("y.txt", "y") }.Select(f => (object?)new FileInfo(f));
        var ctx = new SendStorageObjectCommand { Destination = "mem://up/" }.Pipe(_s.Context(), files);
        Assert.Equal(["mem://up/x.txt", "mem://up/y.txt"], ctx.OutputOf<StorageItem>().Select(i => i.Uri));
    }

    [Fact]
    public void Get_StorageProvider_into_Unregister_StorageProvider()
    {
        _s.Registry.Register("p1", "mem://1/");
        _s.Registry.Register("p2", "mem://2/");
        var registrations = new GetStorageRemoteCommand { Name = ["p*"] }.Invoke(_s.Context()).Output;
        var ctx = new UnregisterStorageRemoteCommand().Pipe(_s.Context(), registrations);
        Assert.Empty(ctx.Errors);
        Assert.Empty(_s.Registry.GetRegistrations());
    }

    [Fact]
    public void A_provider_registration_can_be_registered_again_under_its_name()
    {
        var original = new ProviderRegistration { Name = "again", Uri = "mem://again/" };
        new RegisterStorageRemoteCommand().Pipe(_s.Context(), [original]);
        Assert.Equal("mem://again/", _s.Registry.GetRegistrations("again").Single().Uri);
    }
}
