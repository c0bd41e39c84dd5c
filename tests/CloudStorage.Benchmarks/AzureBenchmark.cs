using System.Security.Cryptography;
using System.Text;
using CloudStorage.Core.Addressing;

namespace CloudStorage.Benchmarks;

/// <summary>
/// Azurite: the engine against rclone's azureblob backend with its default settings. rclone 1.60 builds the service
/// URL as https://ACCOUNT.ENDPOINT and only knows Azurite on its default port (use_emulator), so it is given a
/// container SAS URL on the emulator's endpoint instead (signed here with the development key).
/// </summary>
internal sealed class AzureBenchmark : EmulatorBenchmark
{
    protected override string Emulator => "azure";

    protected override string PortVariable => "AZURITE_BLOB_PORT";

    protected override void RegisterTarget(ProviderRegistry registry, IReadOnlyDictionary<string, string> env) =>
        // Credentials: AZURE_STORAGE_CONNECTION_STRING of the emulator, in this process's environment.
        registry.Register("bench", $"az://{env["AZURE_STORAGE_ACCOUNT"]}/{env["AZURITE_CONTAINER"]}/",
            new Dictionary<string, string> { ["endpoint"] = env["AZURITE_BLOB_ENDPOINT"] });

    protected override IEnumerable<Peer> Peers(IReadOnlyDictionary<string, string> env)
    {
        var container = env["AZURITE_CONTAINER"];
        var sasUrl = $"{env["AZURITE_BLOB_ENDPOINT"]}/{container}?{ContainerSas(env["AZURE_STORAGE_ACCOUNT"], env["AZURE_STORAGE_KEY"], container)}";
        yield return new Peer("rclone", "rclone", "copyto --no-check-dest", name => $":azureblob:{container}/{name}",
            new Dictionary<string, string> { ["RCLONE_AZUREBLOB_SAS_URL"] = sasUrl });
    }

    /// <summary>A service SAS for the whole container (read, add, create, write, delete, list) valid for a day.</summary>
    private static string ContainerSas(string account, string key, string container)
    {
        const string version = "2024-11-04", permissions = "racwdl";
        var expiry = DateTimeOffset.UtcNow.AddDays(1).ToString("yyyy-MM-ddTHH:mm:ssZ");
        var stringToSign = string.Join('\n',
            permissions, "", expiry, $"/blob/{account}/{container}", "", "", "", version, "c", "", "", "", "", "", "", "");
        var signature = Convert.ToBase64String(HMACSHA256.HashData(Convert.FromBase64String(key), Encoding.UTF8.GetBytes(stringToSign)));
        return $"sv={version}&se={Uri.EscapeDataString(expiry)}&sr=c&sp={permissions}&sig={Uri.EscapeDataString(signature)}";
    }
}
