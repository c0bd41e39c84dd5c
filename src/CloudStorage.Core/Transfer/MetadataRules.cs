using System.Text;
using CloudStorage.Core.Errors;
using CloudStorage.Core.Providers;

namespace CloudStorage.Core.Transfer;

/// <summary>What a copy does with a metadata name or value the destination cannot hold (AzCopy's <c>--s2s-handle-invalid-metadata</c>).</summary>
public enum InvalidMetadataHandling
{
    /// <summary>The object fails with InvalidArgument naming the key and the field (the default; AzCopy's FailIfInvalid).</summary>
    Fail,
    /// <summary>The pair is left out of the copy (AzCopy's ExcludeIfInvalid).</summary>
    Exclude,
    /// <summary>
    /// An invalid name becomes <c>rename_</c> + the name with every invalid character replaced by '_', and
    /// <c>rename_key_</c> + that name keeps the original name (AzCopy's RenameIfInvalid); a value that is not ASCII is
    /// stored as an RFC 2047 encoded word (<c>=?UTF-8?B?…?=</c>, the form S3 itself uses for such values).
    /// </summary>
    Rename,
}

/// <summary>Checks and translates user metadata for a destination's rules (<see cref="ProviderCapabilities.MetadataNames"/> and values).</summary>
internal static class MetadataRules
{
    /// <summary>
    /// The metadata to write to a destination with <paramref name="capabilities"/>: unchanged when every pair fits,
    /// else handled as <paramref name="handling"/> says. InvalidArgument (naming the key and the field) under Fail.
    /// </summary>
    public static IReadOnlyDictionary<string, string>? Apply(IReadOnlyDictionary<string, string>? metadata, ProviderCapabilities capabilities,
        InvalidMetadataHandling handling, string target, string providerName)
    {
        if (metadata is null || metadata.Count == 0 || !capabilities.UserMetadata) return metadata;
        if (metadata.All(p => NameFits(p.Key, capabilities) && ValueFits(p.Value, capabilities))) return metadata;
        var result = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (name, value) in metadata)
        {
            var nameFits = NameFits(name, capabilities);
            var valueFits = ValueFits(value, capabilities);
            if (nameFits && valueFits)
            {
                result[name] = value;
                continue;
            }
            switch (handling)
            {
                case InvalidMetadataHandling.Exclude:
                    continue;
                case InvalidMetadataHandling.Rename:
                {
                    var storedValue = valueFits ? value : EncodedWord(value);
                    if (nameFits)
                    {
                        result[name] = storedValue;
                        break;
                    }
                    var valid = ValidName(name);
                    result["rename_" + valid] = storedValue;
                    result["rename_key_" + valid] = ValueFits(name, capabilities) ? name : EncodedWord(name);
                    break;
                }
                default:
                    throw new StorageException(StorageErrorKind.InvalidArgument, nameFits
                        ? $"The value of metadata '{name}' cannot be stored on '{target}': {providerName} keeps metadata values in ASCII only. " +
                          "Use -InvalidMetadata Rename to store it encoded (RFC 2047) or Exclude to leave it out."
                        : $"The metadata name '{name}' cannot be stored on '{target}': {providerName} takes only names made of letters, digits and '_' " +
                          "that do not start with a digit. Use -InvalidMetadata Rename to store it as rename_<name> or Exclude to leave it out.",
                        target, providerName);
            }
        }
        return result;
    }

    /// <summary>True when <paramref name="name"/> is a name the destination can hold.</summary>
    public static bool NameFits(string name, ProviderCapabilities capabilities) => capabilities.MetadataNames switch
    {
        MetadataNameRule.Identifier => IsIdentifier(name),
        _ => name.Length > 0 && name.All(c => c > 0x20 && c < 0x7f && c != ':'),
    };

    /// <summary>True when <paramref name="value"/> is a value the destination can hold.</summary>
    public static bool ValueFits(string value, ProviderCapabilities capabilities) =>
        !capabilities.MetadataAsciiValuesOnly || value.All(c => c == '\t' || c is >= ' ' and <= '~');

    private static bool IsIdentifier(string name) =>
        name.Length > 0 && (char.IsAsciiLetter(name[0]) || name[0] == '_') && name.All(c => char.IsAsciiLetterOrDigit(c) || c == '_');

    private static string ValidName(string name)
    {
        var chars = name.Select(c => char.IsAsciiLetterOrDigit(c) || c == '_' ? c : '_').ToArray();
        return new string(chars);
    }

    private static string EncodedWord(string value) => "=?UTF-8?B?" + Convert.ToBase64String(Encoding.UTF8.GetBytes(value)) + "?=";
}
