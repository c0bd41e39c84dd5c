using CloudStorage.Core.Addressing;
using CloudStorage.Core.Errors;

namespace CloudStorage.Core.Tests.Addressing;

/// <summary>Secret-like option names never enter a registration, the config file, or an error message.</summary>
public sealed class SecretOptionTests : IDisposable
{
    private const string SecretValue = "sv=2024-01-01&sig=SUPERSECRETSIGNATURE%3D";
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "cs-secret-" + Guid.NewGuid().ToString("N"));
    private string ConfigPath => Path.Combine(_dir, "providers.json");

    public SecretOptionTests() => Directory.CreateDirectory(_dir);

    public void Dispose()
    {
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }

    public static TheoryData<string> SecretNames => new()
    {
        "sas", "SAS", "sig", "Sig", "access-key", "AccountKey", "account_key", "secret", "client-secret", "SECRET_ACCESS_KEY",
        "token", "sas-token", "SessionToken", "password", "Password", "credential", "credentials", "connection-string",
        "ConnectionString", "x-api-key", "pwd",
    };

    [Theory]
    [MemberData(nameof(SecretNames))]
    public void Secret_option_name_is_refused_at_registration_and_never_reaches_the_config_file(string name)
    {
        var registry = new ProviderRegistry(new ProviderConfigFile(ConfigPath));
        var ex = Assert.Throws<StorageException>(() =>
            registry.Register("az-backup", "az://account/container", new Dictionary<string, string> { [name] = SecretValue }, persist: true));

        Assert.Equal(StorageErrorKind.InvalidArgument, ex.Kind);
        Assert.Contains(name, ex.Message);
        Assert.DoesNotContain("SUPERSECRET", ex.ToString());
        Assert.Empty(registry.GetRegistrations());
        Assert.False(File.Exists(ConfigPath) && File.ReadAllText(ConfigPath).Contains("SUPERSECRET"));
    }

    [Theory]
    [InlineData("sas")]
    [InlineData("AccountKey")]
    [InlineData("connection-string")]
    public void Secret_option_in_a_config_file_is_refused_when_loading_with_a_clear_error_and_without_its_value(string name)
    {
        File.WriteAllText(ConfigPath, $$"""
            { "providers": {
                "good": { "uri": "mem://good/" },
                "leaky": { "uri": "az://account/container", "options": { "{{name}}": "{{SecretValue}}" } } } }
            """);
        var registry = new ProviderRegistry(new ProviderConfigFile(ConfigPath));

        var ex = Assert.Throws<StorageException>(() => registry.Resolve("leaky:x"));

        Assert.Equal(StorageErrorKind.Configuration, ex.Kind);
        Assert.Contains(ConfigPath, ex.Message);
        Assert.Contains($"'{name}'", ex.Message);
        Assert.Contains("'leaky'", ex.Message);
        Assert.DoesNotContain("SUPERSECRET", ex.ToString());
    }

    [Fact]
    public void Secret_option_is_refused_by_the_config_file_writer_itself()
    {
        var file = new ProviderConfigFile(ConfigPath);
        var registration = new ProviderRegistration
        {
            Name = "leaky", Uri = "az://account/container",
            Options = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase) { ["sas"] = SecretValue },
            Source = "Session",
        };

        var ex = Assert.Throws<StorageException>(() => file.Save(registration));

        Assert.DoesNotContain("SUPERSECRET", ex.ToString());
        Assert.False(File.Exists(ConfigPath));
    }

    [Theory]
    [InlineData("endpoint")]
    [InlineData("region")]
    [InlineData("signing")]
    [InlineData("credentials-file")]
    [InlineData("key-file")]
    [InlineData("managed-identity-client-id")]
    [InlineData("profiles-location")]
    public void Secret_rule_lets_ordinary_options_and_credential_file_paths_through(string name)
    {
        Assert.False(SecretOptionNames.IsSecretLike(name));
        var registry = new ProviderRegistry(new ProviderConfigFile(ConfigPath));
        registry.Register("store", "mem://store/", new Dictionary<string, string> { [name] = "value" }, persist: true);
        Assert.Contains(name, File.ReadAllText(ConfigPath));
    }
}
