using System.Collections;
using CloudStorage.Core.Addressing;
using CloudStorage.Providers.Azure;
using CloudStorage.Providers.Tests.Emulator;

namespace CloudStorage.Providers.Tests.Cmdlets;

/// <summary>
/// The cmdlets on <c>az://</c> addresses against Azurite, through the real <see cref="AzureBlobProviderFactory"/>: the
/// endpoint comes as an option, the development account's key from an environment of the test's own (never the
/// process's), the way a user's AZURE_STORAGE_ACCOUNT/AZURE_STORAGE_KEY would give it; blocks start at 1 MiB.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class AzureCmdletTests(AzuriteFixture emulator) : CloudCmdletTests
{
    private Dictionary<string, string> Options() => new(StringComparer.OrdinalIgnoreCase)
    {
        ["endpoint"] = emulator.Endpoint.ToString(),
        ["auth"] = "key",
        ["single-upload-threshold"] = "1MiB",
        ["block-size"] = "1MiB",
        ["retries"] = "1",
    };

    protected override int LargeObjectSize => 3 * 1024 * 1024 + 123;

    protected override ProviderRegistry CreateRegistry()
    {
        emulator.EnsureStarted();
        var environment = new Dictionary<string, string> { ["AZURE_STORAGE_ACCOUNT"] = emulator.Account, ["AZURE_STORAGE_KEY"] = emulator.Key };
        var registry = new ProviderRegistry();
        registry.RegisterFactory(new PresetOptionsFactory(new AzureBlobProviderFactory(environment: n => environment.GetValueOrDefault(n)), Options()));
        return registry;
    }

    protected override async Task<string> CreateRootAsync() => $"az://{emulator.Account}/{await emulator.CreateContainerAsync("cmdlets")}/";

    protected override Task DeleteRootAsync(string root) => emulator.DeleteContainerAsync(StorageUri.Parse(root).Container!);

    protected override (string Uri, Hashtable Options) NamedRegistration(string root)
    {
        var options = new Hashtable();
        foreach (var (name, value) in Options()) options[name] = value;
        return (root, options);
    }
}
