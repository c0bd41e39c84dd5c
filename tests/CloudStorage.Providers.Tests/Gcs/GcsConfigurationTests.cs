using CloudStorage.Core.Addressing;
using CloudStorage.Core.Errors;
using CloudStorage.Providers.Gcs;
using CloudStorage.Providers.Resilience;

namespace CloudStorage.Providers.Tests.Gcs;

/// <summary>Options from registrations, their validation, and the factory (no network).</summary>
public sealed class GcsConfigurationTests
{
    [Fact]
    public void Registration_options_are_parsed_case_insensitively()
    {
        var o = GcsProviderOptions.FromDictionary("media", new Dictionary<string, string>
        {
            ["Emulator-Host"] = "127.0.0.1:9199",
            ["chunk_size"] = "8MiB",
            ["simple-upload-threshold"] = "1MiB",
            ["url-style"] = "virtual-hosted",
            ["user-project"] = "billing-project",
            ["signing"] = "hmac",
            ["timeout"] = "30",
        });

        Assert.Equal(new Uri("http://127.0.0.1:9199/"), o.ServiceUri);
        Assert.True(o.IsEmulator);
        Assert.Equal(8L * 1024 * 1024, o.ChunkSize);
        Assert.Equal(1024L * 1024, o.SimpleUploadThreshold);
        Assert.Equal(GcsUrlStyle.VirtualHosted, o.UrlStyle);
        Assert.Equal("billing-project", o.UserProject);
        Assert.Equal(GcsSigningMode.Hmac, o.Signing);
        Assert.Equal(TimeSpan.FromSeconds(30), o.RequestTimeout);
    }

    [Theory]
    [InlineData("private-key")]
    [InlineData("hmac-secret")]
    [InlineData("access-token")]
    [InlineData("hmac-access-id")]
    public void Credential_like_options_are_refused(string name)
    {
        var e = Assert.Throws<StorageException>(() => GcsProviderOptions.FromDictionary("b", new Dictionary<string, string> { [name] = "x" }));
        Assert.Equal(StorageErrorKind.Configuration, e.Kind);
        Assert.Contains("GOOGLE_APPLICATION_CREDENTIALS", e.Message);
        Assert.DoesNotContain("\"x\"", e.Message);
    }

    [Fact]
    public void Unknown_options_are_refused_naming_the_known_ones()
    {
        var e = Assert.Throws<StorageException>(() => GcsProviderOptions.FromDictionary("b", new Dictionary<string, string> { ["region"] = "eu" }));
        Assert.Contains("chunk-size", e.Message);
    }

    [Theory]
    [InlineData("100KiB")]
    [InlineData("300KiB")]
    [InlineData("2GiB")]
    public void A_chunk_size_that_is_not_a_multiple_of_256_KiB_is_refused(string size)
    {
        var e = Assert.Throws<StorageException>(() => GcsProviderOptions.FromDictionary("b", new Dictionary<string, string> { ["chunk-size"] = size }));
        Assert.Equal(StorageErrorKind.Configuration, e.Kind);
        Assert.Contains("256 KiB", e.Message);
    }

    [Fact]
    public void Defaults_reach_the_public_endpoint_or_the_universe_domain()
    {
        Assert.Equal(new Uri("https://storage.googleapis.com/"), new GcsProviderOptions { Bucket = "b" }.ServiceUri);
        Assert.Equal(new Uri("https://storage.example.eu/"), new GcsProviderOptions { Bucket = "b", UniverseDomain = "example.eu" }.ServiceUri);
        Assert.Equal(16L * 1024 * 1024, new GcsProviderOptions { Bucket = "b" }.ChunkSize);
    }

    [Fact]
    public void The_factory_serves_gs_addresses_with_the_resilience_layer_around_the_provider()
    {
        var registry = new ProviderRegistry();
        ProviderPack.RegisterAll(registry);

        var location = registry.Resolve("gs://media-bucket/clips/a.mp4");

        Assert.Equal("gs://media-bucket/clips/a.mp4", location.Uri);
        var resilient = Assert.IsType<ResilientStorageProvider>(location.Provider);
        var gcs = Assert.IsType<GcsStorageProvider>(resilient.Inner);
        Assert.Equal("media-bucket", gcs.Bucket);
        Assert.Equal("gs://media-bucket/", gcs.AddressRoot);
        Assert.True(gcs.Capabilities.ListedHashes.SetEquals([Core.Model.HashAlgorithmKind.MD5, Core.Model.HashAlgorithmKind.CRC32C]));
    }

    [Fact]
    public void Large_reads_go_in_parallel_ranges_on_GCS_but_not_against_the_emulator_which_reads_whole_objects_per_range()
    {
        using var cloud = new GcsStorageProvider(new GcsProviderOptions { Bucket = "b", CredentialsFile = "/nonexistent/key.json" });
        using var emulated = new GcsStorageProvider(new GcsProviderOptions { Bucket = "b", EmulatorHost = "127.0.0.1:9199" });
        Assert.True(cloud.Capabilities.ParallelRangeReads);
        Assert.False(emulated.Capabilities.ParallelRangeReads);
    }

    [Fact]
    public async Task A_credentials_file_that_does_not_exist_is_a_Configuration_error_naming_it()
    {
        using var provider = new GcsStorageProvider(new GcsProviderOptions { Bucket = "b", CredentialsFile = "/nonexistent/key.json" });

        var e = await Assert.ThrowsAsync<StorageException>(() => provider.StatAsync("k"));

        Assert.Equal(StorageErrorKind.Configuration, e.Kind);
        Assert.Contains("/nonexistent/key.json", e.Message);
    }

    [Fact]
    public void An_HMAC_key_never_shows_its_secret()
    {
        var key = new GcsHmacKey("GOOG1ID", "super-secret-value");
        Assert.DoesNotContain("super-secret-value", key.ToString());
        Assert.DoesNotContain("super-secret-value", GcsUrlSigning.ForHmac(key).ToString());
    }
}
