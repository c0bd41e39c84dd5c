using CloudStorage.Providers.Azure;
using Azure.Storage;
using Azure.Storage.Blobs;

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

    /// <summary>An SDK client of <paramref name="container"/> for set-up and inspection (the SDK's own defaults, independent of the provider's).</summary>
    public BlobContainerClient ContainerClient(string container)
    {
        EnsureStarted();
        return new BlobServiceClient(Endpoint, new StorageSharedKeyCredential(Account, Key)).GetBlobContainerClient(container);
    }

    /// <summary>The blob index tags of one blob.</summary>
    public async Task<IDictionary<string, string>> GetTagsAsync(string container, string blob) =>
        (await ContainerClient(container).GetBlobClient(blob).GetTagsAsync()).Value.Tags;

    /// <summary>Creates a new, empty container with a unique name.</summary>
    public async Task<string> CreateContainerAsync(string prefix = "cs")
    {
        EnsureStarted();
        var name = $"{prefix}-{Guid.NewGuid():N}"[..Math.Min(63, prefix.Length + 33)];
        await ContainerClient(name).CreateAsync();
        return name;
    }

    /// <summary>Deletes a container and everything in it (best effort).</summary>
    public async Task DeleteContainerAsync(string container)
    {
        if (!Started) return;
        try { await ContainerClient(container).DeleteIfExistsAsync(); }
        catch (Exception) { /* the emulator's memory goes away when it stops */ }
    }
}
