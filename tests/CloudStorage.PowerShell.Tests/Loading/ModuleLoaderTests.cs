using System.Reflection;
using System.Reflection.Emit;
using System.Runtime.Loader;
using CloudStorage.PowerShell.Loading;
using CloudStorage.Core.Providers;
using CloudStorage.PowerShell.Tests.Packaging;
using CloudStorage.Providers;

namespace CloudStorage.PowerShell.Tests.Loading;

/// <summary>
/// The dependency loader in-process, without PowerShell: what the private context loads and refuses, that the
/// <c>Resolving</c> handler answers only for the isolated names and only while installed, and that the providers
/// loaded through it share the engine's types with the default context.
/// </summary>
public sealed class ModuleLoaderTests : IDisposable
{
    private readonly DirectoryInfo _temp = System.IO.Directory.CreateTempSubdirectory("cs-alc-");

    public void Dispose()
    {
        try { _temp.Delete(recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    [Fact]
    public void Private_context_loads_an_assembly_from_its_folder_next_to_the_default_contexts_copy()
    {
        var context = new DependencyLoadContext(ModuleLayout.Dependencies, ModuleLoader.DefaultSharedAssemblies);

        var isolated = context.LoadFromAssemblyName(new AssemblyName("Polly.Core"));
        var ours = typeof(Polly.ResiliencePipeline).Assembly; // the test host's copy, in the default context

        Assert.Same(context, AssemblyLoadContext.GetLoadContext(isolated));
        Assert.Same(AssemblyLoadContext.Default, AssemblyLoadContext.GetLoadContext(ours));
        Assert.NotSame(ours, isolated);
        Assert.Equal(Path.Combine(ModuleLayout.Dependencies, "Polly.Core.dll"), isolated.Location);
        Assert.Equal(DependencyLoadContext.ContextName, context.Name);
    }

    [Theory]
    [InlineData("Azure.Storage.Blobs")]
    [InlineData("Azure.Storage.Common")]
    [InlineData("Azure.Core")]
    [InlineData("System.IO.Hashing")]
    public void The_Azure_SDK_closure_loads_privately_from_Dependencies_beside_the_default_contexts_copy(string name)
    {
        var context = new DependencyLoadContext(ModuleLayout.Dependencies, ModuleLoader.DefaultSharedAssemblies);

        var isolated = context.LoadFromAssemblyName(new AssemblyName(name));

        Assert.Same(context, AssemblyLoadContext.GetLoadContext(isolated));
        Assert.Equal(Path.Combine(ModuleLayout.Dependencies, name + ".dll"), isolated.Location);
        Assert.DoesNotContain(AssemblyLoadContext.Default.Assemblies, a => a == isolated);
    }

    [Fact]
    public void An_Azure_provider_made_through_the_private_context_runs_on_the_private_copy_of_the_Azure_SDK()
    {
        var loader = new ModuleLoader(ModuleLayout.Dependencies);
        var providers = loader.Resolve(new AssemblyName("CloudStorage.Providers"))!;
        var registry = new CloudStorage.Core.Addressing.ProviderRegistry();
        providers.GetType("CloudStorage.Providers.ProviderPack", throwOnError: true)!.GetMethod("RegisterAll")!.Invoke(null, [registry, null]);

        // Making a provider builds the SDK's clients (BlobServiceClient, BlobContainerClient): they must bind in the private context.
        var provider = registry.Resolve("az://devstoreaccount1/box/x").Provider;

        Assert.Equal("az://devstoreaccount1/box", provider.Name);
        Assert.Same(loader.Context, AssemblyLoadContext.GetLoadContext(provider.GetType().GetProperty("Inner")!.GetValue(provider)!.GetType().Assembly));
        var blobs = loader.Context.Assemblies.Select(a => a.GetName().Name).ToList();
        Assert.Contains("Azure.Storage.Blobs", blobs);
        Assert.Contains("Azure.Storage.Common", blobs);
        Assert.Contains("Azure.Core", blobs);
    }

    [Theory]
    [InlineData("CloudStorage.Core")]
    [InlineData("cloudstorage.core")]
    [InlineData("System.Management.Automation")]
    [InlineData("CloudStorage.PowerShell")]
    public void Shared_assemblies_are_never_loaded_privately_even_when_their_file_is_in_the_folder(string name)
    {
        File.WriteAllText(Path.Combine(_temp.FullName, name + ".dll"), "not an assembly");
        var context = new DependencyLoadContext(_temp.FullName, ModuleLoader.DefaultSharedAssemblies);

        Assert.Null(context.FindAssemblyPath(new AssemblyName(name)));
    }

    [Fact]
    public void Shared_engine_types_come_from_the_default_context_so_providers_loaded_privately_fit_the_registry()
    {
        var loader = new ModuleLoader(ModuleLayout.Dependencies);

        var providers = loader.Resolve(new AssemblyName("CloudStorage.Providers"));

        Assert.NotNull(providers);
        Assert.Same(loader.Context, AssemblyLoadContext.GetLoadContext(providers!));
        Assert.NotSame(typeof(ProviderPack).Assembly, providers);
        // Its IProviderFactory is the default context's: the factory it registers works with the registry we hold.
        var factoryType = providers!.GetType("CloudStorage.Providers.S3.S3ProviderFactory", throwOnError: true)!;
        Assert.True(typeof(CloudStorage.Core.Providers.IProviderFactory).IsAssignableFrom(factoryType));
        var registry = new CloudStorage.Core.Addressing.ProviderRegistry();
        providers.GetType("CloudStorage.Providers.ProviderPack", throwOnError: true)!
            .GetMethod("RegisterAll")!.Invoke(null, [registry, null]);
        Assert.Contains("s3", registry.Schemes);
        Assert.DoesNotContain(loader.Context.Assemblies, a => a.GetName().Name == "CloudStorage.Core");
    }

    [Fact]
    public async Task The_GCS_SDK_closure_loads_privately_and_a_gs_provider_built_through_it_signs_a_URL()
    {
        var loader = new ModuleLoader(ModuleLayout.Dependencies);
        var providers = loader.Resolve(new AssemblyName("CloudStorage.Providers"))!;
        var registry = new CloudStorage.Core.Addressing.ProviderRegistry();
        providers.GetType("CloudStorage.Providers.ProviderPack", throwOnError: true)!.GetMethod("RegisterAll")!.Invoke(null, [registry, null]);
        var key = Path.Combine(_temp.FullName, "sa.json");
        File.WriteAllText(key, DummyServiceAccountJson());

        // A gs:// provider on an emulator host (offline): presigning uses the credential and the SDK's UrlSigner.
        registry.Register("alcgcs", "gs://alc-bucket/", new Dictionary<string, string> { ["emulator-host"] = "127.0.0.1:9", ["credentials-file"] = key, ["retries"] = "0" });
        var resolved = registry.Resolve("alcgcs:k.txt");
        var url = await resolved.Provider.Capabilities.Presigner!.PresignAsync("k.txt", new CloudStorage.Core.Model.PresignRequest());

        Assert.StartsWith("http://127.0.0.1:9/alc-bucket/k.txt?X-Goog-Algorithm=GOOG4-RSA-SHA256", url.Url);
        // A stat builds the StorageClient (Gax, the StorageService, Newtonsoft.Json) and fails as the engine's error:
        // nothing listens on port 9.
        var stat = await Assert.ThrowsAsync<CloudStorage.Core.Errors.StorageException>(() => resolved.Provider.StatAsync("k.txt"));
        Assert.Equal(CloudStorage.Core.Errors.StorageErrorKind.Transient, stat.Kind);
        // Every Google assembly the provider used came from Dependencies/ into the private context, none into the default one.
        string[] google = ["Google.Cloud.Storage.V1", "Google.Apis.Storage.v1", "Google.Api.Gax", "Google.Api.Gax.Rest", "Google.Apis", "Google.Apis.Core", "Google.Apis.Auth", "Newtonsoft.Json"];
        foreach (var name in google)
        {
            var loaded = Assert.Single(loader.Context.Assemblies, a => a.GetName().Name == name);
            Assert.Equal(Path.Combine(ModuleLayout.Dependencies, name + ".dll"), loaded.Location);
        }
        Assert.DoesNotContain(AssemblyLoadContext.Default.Assemblies, a => a.GetName().Name == "Google.Cloud.Storage.V1");
    }

    // The inactive dummy service account of Google's V4 signing conformance vectors (its key signs nothing real).
    private static string DummyServiceAccountJson()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "StoragePs.sln"))) dir = dir.Parent;
        return File.ReadAllText(Path.Combine(dir!.FullName, "tests", "CloudStorage.Providers.Tests", "TestData", "gcs-v4-signing", "test_service_account.json"));
    }

    [Theory]
    [InlineData("Polly.Core")]             // in the folder, but not an entry point: only the providers pull it in
    [InlineData("CloudStorage.Core")]
    [InlineData("Some.Other.Module")]
    public void Handler_answers_only_for_the_isolated_names(string name)
    {
        var loader = new ModuleLoader(ModuleLayout.Dependencies);

        Assert.Null(loader.Resolve(new AssemblyName(name)));
    }

    [Fact]
    public void Handler_answers_null_when_the_isolated_assembly_is_not_in_the_folder()
    {
        var loader = new ModuleLoader(_temp.FullName);

        Assert.Null(loader.Resolve(new AssemblyName("CloudStorage.Providers")));
    }

    [Theory]
    [InlineData("../CloudStorage.Providers")]
    [InlineData("sub/CloudStorage.Providers")]
    [InlineData("..")]
    public void Names_with_path_characters_are_not_file_names(string name)
    {
        var context = new DependencyLoadContext(ModuleLayout.Dependencies, []);

        Assert.Null(context.FindAssemblyPath(new AssemblyName { Name = name }));
    }

    [Fact]
    public void Satellite_assemblies_are_found_in_their_culture_folder()
    {
        System.IO.Directory.CreateDirectory(Path.Combine(_temp.FullName, "de"));
        File.WriteAllText(Path.Combine(_temp.FullName, "de", "Sdk.resources.dll"), "x");
        var context = new DependencyLoadContext(_temp.FullName, []);

        Assert.Equal(Path.Combine(_temp.FullName, "de", "Sdk.resources.dll"),
            context.FindAssemblyPath(new AssemblyName("Sdk.resources") { CultureName = "de" }));
        Assert.Null(context.FindAssemblyPath(new AssemblyName("Sdk.resources") { CultureName = "fr" }));
    }

    [Fact]
    public void Installed_handler_resolves_a_name_the_default_context_cannot_find_into_the_private_context_and_stops_when_removed()
    {
        var first = "CsAlcProbe" + Guid.NewGuid().ToString("N")[..8];
        var second = first + "B";
        WriteEmptyAssembly(first);
        WriteEmptyAssembly(second);
        var loader = new ModuleLoader(_temp.FullName, isolatedAssemblies: [first, second]);

        loader.Install();
        loader.Install(); // idempotent: one handler
        Assembly loaded;
        try
        {
            Assert.True(loader.IsInstalled);
            loaded = AssemblyLoadContext.Default.LoadFromAssemblyName(new AssemblyName(first));
        }
        finally
        {
            loader.Uninstall();
        }

        Assert.Same(loader.Context, AssemblyLoadContext.GetLoadContext(loaded));
        Assert.False(loader.IsInstalled);
        Assert.Throws<FileNotFoundException>(() => AssemblyLoadContext.Default.LoadFromAssemblyName(new AssemblyName(second)));
    }

    [Fact]
    public void Module_initializer_installs_and_removes_the_shared_loader()
    {
        var initializer = new CloudStorageModuleInitializer();
        var wasInstalled = ModuleLoader.Shared.IsInstalled;
        try
        {
            initializer.OnImport();
            Assert.True(ModuleLoader.Shared.IsInstalled);
            initializer.OnRemove(null!);
            Assert.False(ModuleLoader.Shared.IsInstalled);
        }
        finally
        {
            if (wasInstalled) ModuleLoader.Shared.Install();
        }
        // The shared loader looks in Dependencies/ next to the cmdlet assembly.
        Assert.Equal(Path.Combine(Path.GetDirectoryName(typeof(ModuleLoader).Assembly.Location)!, "Dependencies"),
            ModuleLoader.Shared.Context.DependencyDirectory);
    }

    private void WriteEmptyAssembly(string name)
    {
        var builder = new PersistedAssemblyBuilder(new AssemblyName(name) { Version = new Version(1, 0, 0, 0) }, typeof(object).Assembly);
        var module = builder.DefineDynamicModule(name);
        module.DefineType(name + ".Marker", TypeAttributes.Public | TypeAttributes.Class).CreateType();
        builder.Save(Path.Combine(_temp.FullName, name + ".dll"));
    }
}
