using CloudStorage.Core.Addressing;
using CloudStorage.Core.Errors;
using CloudStorage.Providers.Resilience;

namespace CloudStorage.Providers.Common;

/// <summary>
/// The <c>retries</c> option every cloud factory takes besides its provider's own options: the number of attempts
/// after the first, applied to the resilience options the factory was made with.
/// </summary>
internal static class RetriesOption
{
    public const string Name = "retries";

    /// <summary>
    /// Splits <paramref name="options"/> into the resilience options in force (<paramref name="resilience"/>, with
    /// <c>retries</c> applied when given) and the rest, keyed case-insensitively, for the provider's own options.
    /// A value that is not a whole number is a Configuration error naming <paramref name="service"/>'s option and
    /// <paramref name="uri"/>.
    /// </summary>
    public static (StorageResilienceOptions Resilience, Dictionary<string, string> Remaining) Split(
        IReadOnlyDictionary<string, string> options, StorageResilienceOptions resilience, string service, StorageUri uri)
    {
        var rest = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (name, value) in options)
        {
            if (name.Equals(Name, StringComparison.OrdinalIgnoreCase))
                resilience = resilience with
                {
                    MaxRetryAttempts = int.TryParse(value, out var n) ? n
                        : throw new StorageException(StorageErrorKind.Configuration, $"{service} option '{Name}' must be a whole number, not '{value}'.", uri.Original),
                };
            else
                rest[name] = value;
        }
        return (resilience, rest);
    }
}
