using CloudStorage.Core.Addressing;
using CloudStorage.Core.Errors;
using CloudStorage.Core.Providers.Memory;
using CloudStorage.Core.Tests.Operations;

namespace CloudStorage.Core.Tests.Addressing;

public sealed class ProviderRegistryTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("cs-registry-").FullName;
    private string ConfigPath => Path.Combine(_dir, "providers.json");

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task Named_provider_maps_keys_under_its_root_prefix_and_addresses_items_by_name()
    {
        var reg = new ProviderRegistry();
        reg.Register("backup", "mem://named-root/base/");
        var loc = reg.Resolve("backup:reports/q1.txt");
        await loc.Provider.WriteAsync(loc.Key, new MemoryStream("q1"u8.ToArray()), new CloudStorage.Core.Model.WriteOptions());
        var raw = reg.Resolve("mem://named-root/base/reports/q1.txt");
        Assert.Equal("q1", await raw.Provider.TextAsync(raw.Key));
        var item = await loc.Provider.StatAsync(loc.Key);
        Assert.Equal("backup:reports/q1.txt", item!.Uri);
        Assert.Equal("backup", item.ProviderName);
        var listed = await loc.Provider.ListAsync(ListRequestFor("reports/")).ToListAsync();
        Assert.Equal("backup:reports/q1.txt", Assert.Single(listed).Uri);
    }

    private static CloudStorage.Core.Model.ListRequest ListRequestFor(string prefix) => CloudStorage.Core.Model.ListRequest.Recursive(prefix);

    [Fact]
    public void Memory_stores_are_shared_within_a_registry_by_name()
    {
        var reg = new ProviderRegistry();
        Assert.Same(reg.Resolve("mem://a/x").Provider, reg.Resolve("mem://a/y").Provider);
        Assert.NotSame(reg.Resolve("mem://a/x").Provider, reg.Resolve("mem://b/x").Provider);
        Assert.IsType<MemoryStorageProvider>(reg.Resolve("mem://a/x").Provider);
    }

    [Fact]
    public void Relative_local_paths_resolve_against_the_current_directory()
    {
        var reg = new ProviderRegistry();
        var loc = reg.Resolve("sub/file.txt", _dir);
        Assert.Equal(Path.Combine(_dir, "sub", "file.txt"), Path.Combine(Path.GetPathRoot(_dir)!, loc.Key.Replace('/', Path.DirectorySeparatorChar)));
        Assert.EndsWith("/", reg.Resolve("sub/", _dir).Key);
    }

    [Fact]
    public void Unknown_provider_names_are_NotFound_and_unloaded_schemes_Unsupported()
    {
        var reg = new ProviderRegistry();
        var ex = Assert.Throws<StorageException>(() => reg.Resolve("nosuch:key"));
        Assert.Equal(StorageErrorKind.NotFound, ex.Kind);
        Assert.Contains("Register-StorageRemote", ex.Message);
        ex = Assert.Throws<StorageException>(() => reg.Resolve("s3://bucket/key"));
        Assert.Equal(StorageErrorKind.Unsupported, ex.Kind);
    }

    [Theory]
    [InlineData("x")]
    [InlineData("1abc")]
    [InlineData("has space")]
    [InlineData("s3")]
    [InlineData("file")]
    public void Invalid_or_reserved_names_are_refused(string name)
    {
        var ex = Assert.Throws<StorageException>(() => new ProviderRegistry().Register(name, "mem://x"));
        Assert.Equal(StorageErrorKind.InvalidArgument, ex.Kind);
    }

    [Fact]
    public void Registering_an_existing_name_needs_force()
    {
        var reg = new ProviderRegistry();
        reg.Register("dup", "mem://a");
        Assert.Equal(StorageErrorKind.AlreadyExists, Assert.Throws<StorageException>(() => reg.Register("dup", "mem://b")).Kind);
        reg.Register("dup", "mem://b", force: true);
        Assert.Equal("mem://b", reg.GetRegistrations("dup").Single().Uri);
    }

    [Fact]
    public void A_named_provider_cannot_point_at_another_name_or_a_relative_path()
    {
        var reg = new ProviderRegistry();
        Assert.Throws<StorageException>(() => reg.Register("aa", "bb:key"));
        Assert.Throws<StorageException>(() => reg.Register("aa", "relative/dir"));
    }

    [Fact]
    public void Persisted_registrations_are_read_back_by_a_new_registry_and_removed_on_unregister()
    {
        var reg = new ProviderRegistry(new ProviderConfigFile(ConfigPath));
        reg.Register("archive", "mem://arch/p/", new Dictionary<string, string> { ["region"] = "eu-west-1" }, persist: true);
        var fresh = new ProviderRegistry(new ProviderConfigFile(ConfigPath));
        var r = Assert.Single(fresh.GetRegistrations());
        Assert.Equal("archive", r.Name);
        Assert.Equal("eu-west-1", r.Options["region"]);
        Assert.Equal(ConfigPath, r.Source);
        Assert.Equal("mem", r.ProviderType);
        Assert.True(fresh.Unregister("archive", persist: true));
        Assert.Empty(new ProviderRegistry(new ProviderConfigFile(ConfigPath)).GetRegistrations());
    }

    [Fact]
    public void A_malformed_config_file_is_a_Configuration_error_naming_the_file()
    {
        File.WriteAllText(ConfigPath, "{ not json");
        var ex = Assert.Throws<StorageException>(() => new ProviderRegistry(new ProviderConfigFile(ConfigPath)).GetRegistrations());
        Assert.Equal(StorageErrorKind.Configuration, ex.Kind);
        Assert.Contains(ConfigPath, ex.Message);
    }

    [Fact]
    public void GetRegistrations_filters_by_wildcard_and_sorts_by_name()
    {
        var reg = new ProviderRegistry();
        reg.Register("prod-b", "mem://1"); reg.Register("prod-a", "mem://2"); reg.Register("test", "mem://3");
        Assert.Equal(["prod-a", "prod-b"], reg.GetRegistrations("prod*").Select(r => r.Name).ToArray());
    }

    [Fact]
    public void Unregister_of_an_unknown_name_returns_false() => Assert.False(new ProviderRegistry().Unregister("ghost"));
}

public sealed class LocalAddressingTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("cs-localaddr-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task Deleting_the_last_file_of_an_ad_hoc_folder_keeps_the_users_folder()
    {
        var reg = new ProviderRegistry();
        var folder = Directory.CreateDirectory(Path.Combine(_dir, "Downloads")).FullName;
        var file = Path.Combine(folder, "only.txt");
        File.WriteAllText(file, "x");
        var loc = reg.Resolve(file);
        await loc.Provider.DeleteAsync(loc.Key);
        Assert.False(File.Exists(file));
        Assert.True(Directory.Exists(folder));
    }

    [Fact]
    public async Task A_named_local_provider_is_confined_to_its_root_and_prunes_emptied_folders_but_never_the_root()
    {
        var reg = new ProviderRegistry();
        var root = Directory.CreateDirectory(Path.Combine(_dir, "named-root")).FullName;
        reg.Register("lroot", root);
        var loc = reg.Resolve("lroot:a/b/c.txt");
        await loc.Provider.WriteAsync(loc.Key, new MemoryStream("c"u8.ToArray()), new CloudStorage.Core.Model.WriteOptions());
        Assert.True(File.Exists(Path.Combine(root, "a", "b", "c.txt")));
        Assert.Equal("lroot:a/b/c.txt", (await loc.Provider.StatAsync(loc.Key))!.Uri);
        await loc.Provider.DeleteAsync(loc.Key);
        Assert.False(Directory.Exists(Path.Combine(root, "a")));
        Assert.True(Directory.Exists(root));
        var escape = reg.Resolve("lroot:../outside.txt");
        var ex = await Assert.ThrowsAsync<StorageException>(() => escape.Provider.WriteAsync(escape.Key, new MemoryStream(), new CloudStorage.Core.Model.WriteOptions()));
        Assert.Equal(StorageErrorKind.InvalidKey, ex.Kind);
        Assert.False(File.Exists(Path.Combine(_dir, "outside.txt")));
    }

    [Fact]
    public async Task A_file_uri_with_percent_characters_round_trips_through_the_item_Uri()
    {
        var reg = new ProviderRegistry();
        var path = Path.Combine(_dir, "100%41.txt");
        File.WriteAllText(path, "p");
        var item = (await reg.Resolve(path).Provider.StatAsync(reg.Resolve(path).Key))!;
        var again = reg.Resolve(item.Uri);
        Assert.Equal(item.Key, again.Key);
        Assert.NotNull(await again.Provider.StatAsync(again.Key));
    }
}
