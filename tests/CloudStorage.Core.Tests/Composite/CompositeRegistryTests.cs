using CloudStorage.Core.Addressing;
using CloudStorage.Core.Errors;
using CloudStorage.Core.Model;
using CloudStorage.Core.Providers.Composite;
using CloudStorage.Core.Tests.Operations;

namespace CloudStorage.Core.Tests.Composite;

public sealed class CompositeRegistryTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("cs-composite-reg-");

    public void Dispose() => _dir.Delete(recursive: true);

    private string ConfigPath => Path.Combine(_dir.FullName, "providers.json");

    [Fact]
    public async Task Replica_registration_resolves_to_a_replicated_provider_over_its_members_with_their_prefixes()
    {
        var registry = new ProviderRegistry();
        var id = Guid.NewGuid().ToString("N")[..8];
        registry.Register("backupmem", $"mem://b{id}/");
        var reg = registry.RegisterReplicated("media", [$"mem://p{id}/media/", "backupmem:copies/", Path.Combine(_dir.FullName, "local")], ReplicaPolicy.Quorum);
        Assert.Equal("replicated", reg.ProviderType);
        Assert.Equal($"mem://p{id}/media/", reg.Uri);

        var location = registry.Resolve("media:photos/a.jpg");
        Assert.Equal("media:photos/a.jpg", location.Uri);
        await location.Provider.WriteAsync(location.Key, new MemoryStream("jpg"u8.ToArray()), new WriteOptions());

        Assert.Equal("jpg", await registry.Resolve($"mem://p{id}/media/photos/a.jpg").Provider.TextAsync("media/photos/a.jpg"));
        Assert.Equal("jpg", await registry.Resolve("backupmem:copies/photos/a.jpg").Provider.TextAsync("copies/photos/a.jpg"));
        Assert.True(File.Exists(Path.Combine(_dir.FullName, "local", "photos", "a.jpg")));
    }

    [Fact]
    public void Replica_and_Routing_registrations_are_persisted_and_read_back()
    {
        var registry = new ProviderRegistry(new ProviderConfigFile(ConfigPath));
        registry.RegisterReplicated("media", ["mem://a/", "mem://b/"], ReplicaPolicy.Primary, new Dictionary<string, string> { ["break-duration"] = "5" }, persist: true);
        registry.RegisterRouted("site", [new ProviderRoute("*.jpg", "mem://img/"), new ProviderRoute("*", "mem://rest/")], persist: true);

        var reread = new ProviderRegistry(new ProviderConfigFile(ConfigPath)).GetRegistrations();
        var media = reread.Single(r => r.Name == "media");
        Assert.Equal(["mem://a/", "mem://b/"], media.Replicas);
        Assert.Equal(ReplicaPolicy.Primary, media.Policy);
        Assert.Equal("5", media.Options["break-duration"]);
        var site = reread.Single(r => r.Name == "site");
        Assert.Equal([new ProviderRoute("*.jpg", "mem://img/"), new ProviderRoute("*", "mem://rest/")], site.Routes);
        Assert.Equal("routed", site.ProviderType);
    }

    [Fact]
    public void Replica_registration_refuses_one_replica_itself_as_member_duplicates_and_relative_paths()
    {
        var registry = new ProviderRegistry();
        Assert.Equal(StorageErrorKind.InvalidArgument, Assert.Throws<StorageException>(() => registry.RegisterReplicated("media", ["mem://a/"])).Kind);
        Assert.Equal(StorageErrorKind.InvalidArgument, Assert.Throws<StorageException>(() => registry.RegisterReplicated("media", ["mem://a/", "media:x/"])).Kind);
        Assert.Equal(StorageErrorKind.InvalidArgument, Assert.Throws<StorageException>(() => registry.RegisterReplicated("media", ["mem://a/", "mem://a/"])).Kind);
        Assert.Equal(StorageErrorKind.InvalidArgument, Assert.Throws<StorageException>(() => registry.RegisterReplicated("media", ["mem://a/", "rel/dir"])).Kind);
        Assert.Equal(StorageErrorKind.InvalidArgument, Assert.Throws<StorageException>(() => registry.RegisterRouted("site", [])).Kind);
    }

    [Fact]
    public void Routing_registrations_that_name_each_other_are_a_configuration_error_not_a_hang()
    {
        var registry = new ProviderRegistry();
        registry.RegisterRouted("one", [new ProviderRoute("*", "two:")]);
        registry.RegisterRouted("two", [new ProviderRoute("*", "one:")]);
        Assert.Equal(StorageErrorKind.Configuration, Assert.Throws<StorageException>(() => registry.Resolve("one:x")).Kind);
    }

    [Fact]
    public async Task Replica_provider_is_rebuilt_when_a_member_name_is_registered_again()
    {
        var registry = new ProviderRegistry();
        var id = Guid.NewGuid().ToString("N")[..8];
        registry.Register("prim", $"mem://old{id}/");
        registry.RegisterReplicated("media", ["prim:", $"mem://b{id}/"]);
        var before = registry.Resolve("media:").Provider;
        registry.Register("prim", $"mem://new{id}/", force: true);
        var after = registry.Resolve("media:").Provider;
        Assert.NotSame(before, after);
        await after.WriteAsync("k", new MemoryStream("v"u8.ToArray()), new WriteOptions());
        Assert.NotNull(await registry.Resolve($"mem://new{id}/k").Provider.StatAsync("k"));
    }
}
