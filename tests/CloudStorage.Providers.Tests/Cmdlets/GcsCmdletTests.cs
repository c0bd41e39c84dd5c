using System.Collections;
using CloudStorage.Core.Addressing;
using CloudStorage.Providers.Gcs;
using CloudStorage.Providers.Tests.Emulator;

namespace CloudStorage.Providers.Tests.Cmdlets;

/// <summary>
/// The cmdlets on <c>gs://</c> addresses against the GCS emulator, through the real <see cref="GcsProviderFactory"/>:
/// the emulator host and a credentials file (the conformance vectors' dummy service account, which signs URLs) come as
/// options, the way a registration or STORAGE_EMULATOR_HOST/GOOGLE_APPLICATION_CREDENTIALS would give them; uploads
/// above 1 MiB go through resumable sessions in 1 MiB chunks.
/// </summary>
[Collection(GcsEmulatorCollection.Name)]
public sealed class GcsCmdletTests(GcsEmulatorFixture emulator) : CloudCmdletTests
{
    private Dictionary<string, string> Options() => new(StringComparer.OrdinalIgnoreCase)
    {
        ["emulator-host"] = emulator.Host,
        ["credentials-file"] = TestData.Path("gcs-v4-signing", "test_service_account.json"),
        ["simple-upload-threshold"] = "1MiB",
        ["chunk-size"] = "1MiB",
        ["retries"] = "1",
    };

    protected override int LargeObjectSize => 3 * 1024 * 1024 + 123;

    protected override ProviderRegistry CreateRegistry()
    {
        emulator.EnsureStarted();
        var registry = new ProviderRegistry();
        registry.RegisterFactory(new PresetOptionsFactory(new GcsProviderFactory(), Options()));
        return registry;
    }

    // The emulator creates a bucket on first use: a new name is a fresh, empty store.
    protected override Task<string> CreateRootAsync() => Task.FromResult($"gs://{emulator.NewBucket("cmdlets")}/");

    protected override Task DeleteRootAsync(string root) => Task.CompletedTask;

    protected override (string Uri, Hashtable Options) NamedRegistration(string root)
    {
        var options = new Hashtable();
        foreach (var (name, value) in Options()) options[name] = value;
        return (root, options);
    }
}
