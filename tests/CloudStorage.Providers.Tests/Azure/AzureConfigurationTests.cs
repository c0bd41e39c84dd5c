using CloudStorage.Core.Addressing;
using CloudStorage.Core.Errors;
using CloudStorage.Providers.Azure;
using CloudStorage.Providers.Resilience;

namespace CloudStorage.Providers.Tests.Azure;

// Options, connection strings and the credential chain, without a network: what is accepted, what is refused,
// and that a credential meant for one account is never used for another.
public sealed class AzureConfigurationTests
{
    private const string Key = "a2V5LW9mLWFjY291bnQtb25lLWZvci10ZXN0cw==";

    private static AzureBlobProviderOptions Resolve(string account, IReadOnlyDictionary<string, string> environment, AzureAuthMode auth = AzureAuthMode.Auto) =>
        AzureCredentialResolver.Resolve(new AzureBlobProviderOptions { Account = account, Container = "box", Auth = auth }, n => environment.GetValueOrDefault(n));

    [Fact]
    public void Development_storage_connection_string_names_Azurite_and_its_published_key()
    {
        var c = AzureConnectionString.Parse("UseDevelopmentStorage=true");

        Assert.Equal("devstoreaccount1", c.AccountName);
        Assert.Equal(new Uri("http://127.0.0.1:10000/devstoreaccount1"), c.BlobEndpoint);
        Assert.Equal("SharedKey", c.Credential.Kind);
    }

    [Fact]
    public void Connection_strings_with_suffixes_explicit_endpoints_and_SAS_are_understood()
    {
        var suffixed = AzureConnectionString.Parse($"DefaultEndpointsProtocol=https;AccountName=acct;AccountKey={Key};EndpointSuffix=core.chinacloudapi.cn");
        var explicitEndpoint = AzureConnectionString.Parse("BlobEndpoint=https://acct.blob.core.windows.net/;SharedAccessSignature=sv=2024-11-04&sp=r&sig=abc%3D");

        Assert.Equal(new Uri("https://acct.blob.core.chinacloudapi.cn"), suffixed.BlobEndpoint);
        Assert.Equal("SharedKey", suffixed.Credential.Kind);
        Assert.Equal("acct", explicitEndpoint.AccountName);
        Assert.Equal("SAS", explicitEndpoint.Credential.Kind);
        Assert.DoesNotContain(Key, suffixed.ToString());
        Assert.DoesNotContain("abc", explicitEndpoint.ToString());
    }

    [Theory]
    [InlineData("AccountName=acct;AccountKey=not base64!")]
    [InlineData("justtext")]
    [InlineData("AccountKey=a2V5")]
    public void Malformed_connection_strings_are_Configuration_errors_that_do_not_repeat_the_string(string text)
    {
        var e = Assert.Throws<StorageException>(() => AzureConnectionString.Parse(text));

        Assert.Equal(StorageErrorKind.Configuration, e.Kind);
        Assert.DoesNotContain(text, e.Message);
    }

    [Fact]
    public void The_connection_string_is_used_only_for_its_own_account()
    {
        var environment = new Dictionary<string, string>
        {
            ["AZURE_STORAGE_CONNECTION_STRING"] = $"AccountName=other;AccountKey={Key}",
            ["AZURE_STORAGE_ACCOUNT"] = "acct",
            ["AZURE_STORAGE_KEY"] = Key,
        };

        var mine = Resolve("acct", environment);
        var theirs = Resolve("other", environment);
        var third = Resolve("third", environment);

        Assert.Equal("SharedKey", mine.Credential!.Kind);
        Assert.Null(mine.Endpoint);
        Assert.Equal(new Uri("https://other.blob.core.windows.net"), theirs.Endpoint);
        // Neither the other account's connection string nor acct's key: Entra ID.
        Assert.Equal("EntraID", third.Credential!.Kind);
    }

    [Fact]
    public void A_SAS_token_from_the_environment_is_used_when_no_key_is_found()
    {
        var environment = new Dictionary<string, string> { ["AZURE_STORAGE_SAS_TOKEN"] = "?sv=2024-11-04&sp=rl&sig=xyz" };

        Assert.Equal("SAS", Resolve("acct", environment).Credential!.Kind);
        Assert.Equal("SAS", Resolve("acct", environment, AzureAuthMode.Sas).Credential!.Kind);
    }

    [Fact]
    public void An_explicit_auth_mode_that_finds_nothing_is_a_Configuration_error_naming_the_variables()
    {
        var e = Assert.Throws<StorageException>(() => Resolve("acct", new Dictionary<string, string>(), AzureAuthMode.Key));

        Assert.Equal(StorageErrorKind.Configuration, e.Kind);
        Assert.Contains("AZURE_STORAGE_KEY", e.Message);
    }

    [Fact]
    public void Entra_ID_and_managed_identity_modes_use_Azure_Identity()
    {
        var environment = new Dictionary<string, string> { ["AZURE_STORAGE_KEY"] = Key };

        Assert.Equal("EntraID (DefaultAzureCredential)", Resolve("acct", environment, AzureAuthMode.EntraId).Credential!.ToString());
        Assert.Equal("EntraID (ManagedIdentityCredential)", Resolve("acct", environment, AzureAuthMode.ManagedIdentity).Credential!.ToString());
        Assert.Equal("Anonymous", Resolve("acct", environment, AzureAuthMode.Anonymous).Credential!.Kind);
    }

    [Theory]
    [InlineData("account-key")]
    [InlineData("AccountKey")]
    [InlineData("sas-token")]
    [InlineData("connection-string")]
    [InlineData("client-secret")]
    public void Registration_options_that_look_like_credentials_are_refused(string name)
    {
        var e = Assert.Throws<StorageException>(() =>
            AzureBlobProviderOptions.FromDictionary("acct", "box", new Dictionary<string, string> { [name] = "value-that-must-not-show" }));

        Assert.Equal(StorageErrorKind.Configuration, e.Kind);
        Assert.Contains("credential", e.Message);
        Assert.DoesNotContain("value-that-must-not-show", e.Message);
    }

    [Fact]
    public void Registration_options_are_parsed_and_validated()
    {
        var o = AzureBlobProviderOptions.FromDictionary("acct", "box", new Dictionary<string, string>
        {
            ["endpoint"] = "http://127.0.0.1:10000/devstoreaccount1", ["auth"] = "managed-identity", ["managed-identity-client-id"] = "id-1",
            ["block-size"] = "4MiB", ["single-upload-threshold"] = "32MB", ["concurrency"] = "8", ["copy-threshold"] = "64MiB",
        });

        Assert.Equal(AzureAuthMode.ManagedIdentity, o.Auth);
        Assert.Equal("id-1", o.ManagedIdentityClientId);
        Assert.Equal(4L << 20, o.BlockSize);
        Assert.Equal(32L << 20, o.SingleUploadThreshold);
        Assert.Equal(8, o.Concurrency);
        Assert.Equal(64L << 20, o.CopyThreshold);
        Assert.Throws<StorageException>(() => AzureBlobProviderOptions.FromDictionary("acct", "box", new Dictionary<string, string> { ["colour"] = "blue" }));
        Assert.Throws<StorageException>(() => (o with { BlockSize = 1000 }).Validate());
        Assert.Throws<StorageException>(() => (o with { CopyThreshold = 1L << 30 }).Validate());
        Assert.Throws<StorageException>(() => (o with { Container = "Upper_Case" }).Validate());
    }

    [Fact]
    public void Block_sizes_grow_to_stay_within_fifty_thousand_blocks()
    {
        Assert.Equal(8L << 20, BlockSizing.ForLength(100L << 20, 8L << 20));
        var huge = 1L << 40; // 1 TiB
        var size = BlockSizing.ForLength(huge, 8L << 20);
        Assert.True((huge + size - 1) / size <= 50_000);
        Assert.Equal(0, size % (1 << 20));
        Assert.Throws<StorageException>(() => BlockSizing.ForLength(200L << 40, 8L << 20));
    }

    [Fact]
    public void The_factory_serves_az_addresses_wrapped_in_the_resilience_layer_with_its_retries_option()
    {
        var environment = new Dictionary<string, string> { ["AZURE_STORAGE_ACCOUNT"] = "acct", ["AZURE_STORAGE_KEY"] = Key };
        var factory = new AzureBlobProviderFactory(environment: n => environment.GetValueOrDefault(n));

        var provider = factory.Create(StorageUri.Parse("az://acct/box/some/key"), new Dictionary<string, string> { ["retries"] = "7" });

        var resilient = Assert.IsType<ResilientStorageProvider>(provider);
        Assert.Equal(7, resilient.Options.MaxRetryAttempts);
        Assert.Equal("az://acct/box/", provider.AddressRoot);
        Assert.Equal("az", factory.Scheme);
        Assert.Throws<StorageException>(() => factory.Create(StorageUri.Parse("s3://bucket/key"), new Dictionary<string, string>()));
    }
}
