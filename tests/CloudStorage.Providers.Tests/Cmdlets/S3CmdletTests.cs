using System.Collections;
using CloudStorage.Core.Addressing;
using CloudStorage.Providers.S3;
using CloudStorage.Providers.Tests.Emulator;

namespace CloudStorage.Providers.Tests.Cmdlets;

/// <summary>
/// The cmdlets on <c>s3://</c> addresses against the S3 emulator, through the real <see cref="S3ProviderFactory"/>:
/// the endpoint and a profile in a credentials file of the test's own (the emulator's development keys) come as options,
/// the way a user's registration or AWS config would give them; multipart starts at 5 MiB.
/// </summary>
[Collection(S3EmulatorCollection.Name)]
public sealed class S3CmdletTests(S3EmulatorFixture emulator) : CloudCmdletTests
{
    private readonly string _credentials = Path.Combine(Path.GetTempPath(), $"cs-s3-credentials-{Guid.NewGuid():N}");

    private Dictionary<string, string> Options() => new(StringComparer.OrdinalIgnoreCase)
    {
        ["endpoint"] = emulator.Endpoint.ToString(),
        ["region"] = emulator.Region,
        ["profile"] = "emulator",
        ["profiles-location"] = _credentials,
        ["multipart-threshold"] = "5MiB",
        ["part-size"] = "5MiB",
        ["retries"] = "1",
    };

    protected override int LargeObjectSize => 12 * 1024 * 1024 + 123;

    protected override ProviderRegistry CreateRegistry()
    {
        emulator.EnsureStarted();
        File.WriteAllText(_credentials, $"[emulator]\naws_access_key_id = {emulator.AccessKey}\naws_secret_access_key = {emulator.SecretKey}\n");
        var registry = new ProviderRegistry();
        registry.RegisterFactory(new PresetOptionsFactory(new S3ProviderFactory(), Options()));
        return registry;
    }

    protected override async Task<string> CreateRootAsync() => $"s3://{await emulator.CreateBucketAsync("cmdlets")}/";

    protected override async Task DeleteRootAsync(string root)
    {
        File.Delete(_credentials);
        await emulator.DeleteBucketAsync(StorageUri.Parse(root).Container!);
    }

    protected override (string Uri, Hashtable Options) NamedRegistration(string root)
    {
        var options = new Hashtable();
        foreach (var (name, value) in Options()) options[name] = value;
        return (root, options);
    }
}
