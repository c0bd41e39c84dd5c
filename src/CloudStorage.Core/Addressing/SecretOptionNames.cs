using CloudStorage.Core.Errors;

namespace CloudStorage.Core.Addressing;

/// <summary>
/// The rule that keeps secrets out of provider options, which live in the session and may be saved in plain text to
/// the config file: an option named <c>sas</c> or <c>sig</c>, or whose name contains key, secret, token, password,
/// credential or connection (any case), is refused. Names that hold the path of a credentials file
/// (<c>credentials-file</c>, <c>key-file</c>) are allowed: the file stays where it is, only its path is kept.
/// Errors name the option, never its value.
/// </summary>
internal static class SecretOptionNames
{
    private static readonly string[] SecretWords = ["key", "secret", "token", "password", "passwd", "credential", "connection"];
    private static readonly HashSet<string> SecretNames = new(StringComparer.OrdinalIgnoreCase) { "sas", "sig", "signature", "pwd" };
    private static readonly HashSet<string> CredentialFilePaths = new(StringComparer.OrdinalIgnoreCase) { "credentials-file", "key-file" };

    /// <summary>True when an option of this name may hold a secret.</summary>
    public static bool IsSecretLike(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        var normalized = name.Trim().Replace('_', '-');
        if (CredentialFilePaths.Contains(normalized)) return false;
        if (SecretNames.Contains(normalized)) return true;
        return SecretWords.Any(w => normalized.Contains(w, StringComparison.OrdinalIgnoreCase));
    }

    /// <summary>InvalidArgument naming the first secret-like option of provider <paramref name="provider"/>, if any.</summary>
    public static void EnsureNone(IEnumerable<string> optionNames, string provider)
    {
        ArgumentNullException.ThrowIfNull(optionNames);
        foreach (var name in optionNames)
        {
            if (IsSecretLike(name))
                throw new StorageException(StorageErrorKind.InvalidArgument,
                    $"Option '{name}' of provider '{provider}' looks like a secret, and options are kept in plain text (the config file " +
                    "with -Persist). CloudStorage takes credentials from the cloud's standard places: environment variables " +
                    "(AWS_*, AZURE_STORAGE_*, GOOGLE_APPLICATION_CREDENTIALS), profiles, managed identity.", provider);
        }
    }
}
