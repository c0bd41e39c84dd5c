using CloudStorage.Providers.Gcs;
using Google.Apis.Auth.OAuth2;

namespace CloudStorage.Providers.Tests.Emulator;

/// <summary>The tests that need the GCS emulator share one, started by <see cref="GcsEmulatorFixture"/>.</summary>
[CollectionDefinition(Name)]
public sealed class GcsEmulatorCollection : ICollectionFixture<GcsEmulatorFixture>
{
    public const string Name = "GCS emulator";
}

/// <summary>
/// firebase-tools' Cloud Storage emulator (through the project's launcher) for the GCS tests. The emulator checks no
/// authorization and creates a bucket on first use, so each test takes a bucket of its own. The emulator host goes to
/// the provider through its options: tests never set STORAGE_EMULATOR_HOST for the process.
/// </summary>
public sealed class GcsEmulatorFixture() : EmulatorFixture("gcs", "GCS_EMULATOR_PORT")
{
    /// <summary>The emulator's base URL (<c>http://127.0.0.1:PORT</c>), as STORAGE_EMULATOR_HOST gives it.</summary>
    public string Host { get; private set; } = "";

    /// <summary>The bucket the script checks for readiness.</summary>
    public string DefaultBucket { get; private set; } = "test-bucket";

    /// <summary>The emulator's project id.</summary>
    public string Project { get; private set; } = "demo-test";

    protected override void Configure(IReadOnlyDictionary<string, string> values)
    {
        Host = values["STORAGE_EMULATOR_HOST"];
        DefaultBucket = values.GetValueOrDefault("GCS_EMULATOR_BUCKET", "test-bucket");
        Project = values.GetValueOrDefault("GCS_EMULATOR_PROJECT", "demo-test");
    }

    /// <summary>The conformance vectors' inactive dummy service account: it signs URLs (the emulator does not verify them).</summary>
    public static GoogleCredential DummyServiceAccount { get; } =
        CredentialFactory.FromFile(TestData.Path("gcs-v4-signing", "test_service_account.json"), JsonCredentialParameters.ServiceAccountCredentialType);

    /// <summary>A bucket name no other test uses (the emulator creates it on first use).</summary>
    public string NewBucket(string prefix = "cs")
    {
        EnsureStarted();
        return $"{prefix}-{Guid.NewGuid():N}"[..Math.Min(63, prefix.Length + 33)];
    }

    /// <summary>Provider options for <paramref name="bucket"/> on the emulator; URLs are signed with the dummy service account.</summary>
    public GcsProviderOptions Options(string bucket) => new()
    {
        Bucket = bucket,
        EmulatorHost = Host,
        Credential = DummyServiceAccount,
        RequestRetry = new CloudStorage.Providers.Resilience.StorageResilienceOptions { MaxRetryAttempts = 2, BaseDelay = TimeSpan.FromMilliseconds(20) },
    };
}

/// <summary>Files under the test project's TestData folder (copied next to the test assembly).</summary>
public static class TestData
{
    public static string Path(params string[] parts) => System.IO.Path.Combine([AppContext.BaseDirectory, "TestData", .. parts]);
}
