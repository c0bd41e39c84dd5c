using CloudStorage.Providers.Azure;
using CloudStorage.Providers.Azure.Transport;

namespace CloudStorage.Providers.Tests.Emulator;

/// <summary>The tests that need Azurite share one, started by <see cref="AzuriteFixture"/>.</summary>
[CollectionDefinition(Name)]
public sealed class AzuriteCollection : ICollectionFixture<AzuriteFixture>
{
    public const string Name = "Azurite";
}

/// <summary>Azurite's blob service (in memory, SharedKey and SAS enforced) for the Azure tests.</summary>
public sealed class AzuriteFixture() : EmulatorFixture("azure", "AZURITE_BLOB_PORT")
{
    /// <summary>The account's blob endpoint, path-style: <c>http://127.0.0.1:PORT/devstoreaccount1</c>.</summary>
    public Uri Endpoint { get; private set; } = null!;
    public string Account { get; private set; } = "";
    /// <summary>The development account's published key (not a secret).</summary>
    public string Key { get; private set; } = "";
    public string ConnectionString { get; private set; } = "";

    protected override void Configure(IReadOnlyDictionary<string, string> values)
    {
        Endpoint = new Uri(values["AZURITE_BLOB_ENDPOINT"]);
        Account = values["AZURE_STORAGE_ACCOUNT"];
        Key = values["AZURE_STORAGE_KEY"];
        ConnectionString = values["AZURE_STORAGE_CONNECTION_STRING"];
    }

    /// <summary>Provider options for <paramref name="container"/> on Azurite, with the development key.</summary>
    public AzureBlobProviderOptions Options(string container) => new()
    {
        Account = Account,
        Container = container,
        Endpoint = Endpoint,
        Credential = AzureStorageCredential.SharedKey(Account, Key),
    };

    /// <summary>A REST client for set-up and inspection.</summary>
    internal AzureBlobRestClient CreateClient()
    {
        EnsureStarted();
        return new AzureBlobRestClient(Endpoint, Account, AzureStorageCredential.SharedKey(Account, Key));
    }

    /// <summary>Creates a new, empty container with a unique name.</summary>
    public async Task<string> CreateContainerAsync(string prefix = "cs")
    {
        EnsureStarted();
        var name = $"{prefix}-{Guid.NewGuid():N}"[..Math.Min(63, prefix.Length + 33)];
        await CreateClient().CreateContainerAsync(name, CancellationToken.None);
        return name;
    }

    /// <summary>Deletes a container and everything in it (best effort).</summary>
    public async Task DeleteContainerAsync(string container)
    {
        if (!Started) return;
        try { await CreateClient().DeleteContainerAsync(container, CancellationToken.None); }
        catch (Exception) { /* the emulator's memory goes away when it stops */ }
    }
}
