using CloudStorage.Core.Addressing;
using CloudStorage.Core.Errors;
using CloudStorage.Providers.Azure;
using CloudStorage.Providers.Common;
using CloudStorage.Providers.Gcs;
using CloudStorage.Providers.Resilience;
using CloudStorage.Providers.S3;
using CloudStorage.Core.Providers;

namespace CloudStorage.Providers.Tests.Common;

// The 'retries' option all three cloud factories take besides their provider's own options.
public sealed class RetriesOptionTests
{
    [Fact]
    public void Retries_is_taken_out_case_insensitively_and_applied_and_the_rest_is_kept_for_the_provider()
    {
        var defaults = new StorageResilienceOptions { MaxRetryAttempts = 4 };
        var options = new Dictionary<string, string> { ["RETRIES"] = "7", ["Region"] = "eu-west-1" };

        var (resilience, remaining) = RetriesOption.Split(options, defaults, "S3", StorageUri.Parse("s3://bucket/"));

        Assert.Equal(7, resilience.MaxRetryAttempts);
        Assert.Equal(4, defaults.MaxRetryAttempts);
        Assert.Equal(["Region"], remaining.Keys);
        Assert.Equal("eu-west-1", remaining["region"]);
    }

    [Fact]
    public void Without_retries_the_factory_s_resilience_options_stand()
    {
        var defaults = new StorageResilienceOptions { MaxRetryAttempts = 2 };

        var (resilience, remaining) = RetriesOption.Split(new Dictionary<string, string>(), defaults, "GCS", StorageUri.Parse("gs://bucket/"));

        Assert.Same(defaults, resilience);
        Assert.Empty(remaining);
    }

    public static TheoryData<IProviderFactory, string, string> Factories => new()
    {
        { new S3ProviderFactory(), "s3://bucket/key", "S3 option 'retries'" },
        { new GcsProviderFactory(), "gs://bucket/key", "GCS option 'retries'" },
        { new AzureBlobProviderFactory(environment: _ => null), "az://account/container/key", "Azure option 'retries'" },
    };

    [Theory]
    [MemberData(nameof(Factories))]
    public void Every_cloud_factory_refuses_a_retries_value_that_is_not_a_whole_number(IProviderFactory factory, string address, string named)
    {
        var e = Assert.Throws<StorageException>(() => factory.Create(StorageUri.Parse(address), new Dictionary<string, string> { ["retries"] = "many" }));

        Assert.Equal(StorageErrorKind.Configuration, e.Kind);
        Assert.Contains(named, e.Message);
        Assert.Contains("'many'", e.Message);
    }
}
