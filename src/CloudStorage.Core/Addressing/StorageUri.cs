using System.Text.RegularExpressions;
using CloudStorage.Core.Errors;

namespace CloudStorage.Core.Addressing;

/// <summary>The kinds of address a user can write.</summary>
public enum AddressKind
{
    /// <summary><c>scheme://container/key</c> (s3, gs, mem) or <c>az://account/container/key</c>.</summary>
    Cloud,
    /// <summary><c>file:///path</c> or a plain local path.</summary>
    LocalPath,
    /// <summary><c>name:key</c> for a registered provider.</summary>
    Named,
}

/// <summary>
/// A parsed address. Keys are taken verbatim (no percent-decoding): <c>s3://b/my report.pdf</c> names the key
/// <c>my report.pdf</c>, as the AWS CLI does.
/// </summary>
public sealed partial record StorageUri
{
    /// <summary>Which form the address has.</summary>
    public required AddressKind Kind { get; init; }

    /// <summary>Lowercase scheme for cloud addresses (<c>s3</c>, <c>gs</c>, <c>az</c>, <c>mem</c>), else null.</summary>
    public string? Scheme { get; init; }

    /// <summary>Storage account (az only).</summary>
    public string? Account { get; init; }

    /// <summary>Bucket, container or memory store name.</summary>
    public string? Container { get; init; }

    /// <summary>The provider name for <see cref="AddressKind.Named"/>.</summary>
    public string? ProviderName { get; init; }

    /// <summary>The local path (not yet made absolute) for <see cref="AddressKind.LocalPath"/>.</summary>
    public string? LocalPath { get; init; }

    /// <summary>The key for cloud and named addresses ("" for the root).</summary>
    public string Key { get; init; } = "";

    /// <summary>The text as given.</summary>
    public required string Original { get; init; }

    /// <summary>Schemes parsed as <c>scheme://container/key</c>.</summary>
    public static IReadOnlyCollection<string> CloudSchemes { get; } = ["s3", "gs", "az", "mem"];

    [GeneratedRegex("^(?<scheme>[A-Za-z][A-Za-z0-9+.-]*)://(?<rest>.*)$", RegexOptions.Singleline)]
    private static partial Regex SchemePattern();

    // Two or more characters, so that "C:\data" stays a local path on Windows.
    [GeneratedRegex("^(?<name>[A-Za-z][A-Za-z0-9_.-]+):(?<key>(?!//).*)$", RegexOptions.Singleline)]
    private static partial Regex NamedPattern();

    /// <summary>Parses an address; InvalidKey (with the address named) when it is malformed.</summary>
    public static StorageUri Parse(string address)
    {
        if (string.IsNullOrWhiteSpace(address))
            throw new StorageException(StorageErrorKind.InvalidKey, "An address must not be empty.", address);
        // .NET's path APIs throw ArgumentException for NUL; no store or file system can name it either.
        if (address.Contains('\0'))
            throw new StorageException(StorageErrorKind.InvalidKey,
                $"'{StorageException.Printable(address)}' contains a NUL character, which no address, key or path can hold.", StorageException.Printable(address));

        var m = SchemePattern().Match(address);
        if (m.Success)
        {
            var scheme = m.Groups["scheme"].Value.ToLowerInvariant();
            var rest = m.Groups["rest"].Value;
            if (scheme == "file") return ParseFile(address, rest);
            if (!CloudSchemes.Contains(scheme))
                throw new StorageException(StorageErrorKind.InvalidKey,
                    $"Unknown scheme '{scheme}' in '{address}'. Use s3://, gs://, az://, mem://, file:// or a registered provider name.", address);
            return scheme == "az" ? ParseAzure(address, rest) : ParseContainer(address, scheme, rest);
        }

        var named = NamedPattern().Match(address);
        if (named.Success)
            return new StorageUri { Kind = AddressKind.Named, ProviderName = named.Groups["name"].Value, Key = named.Groups["key"].Value, Original = address };

        return new StorageUri { Kind = AddressKind.LocalPath, LocalPath = address, Original = address };
    }

    private static StorageUri ParseContainer(string address, string scheme, string rest)
    {
        var slash = rest.IndexOf('/');
        var container = slash < 0 ? rest : rest[..slash];
        var key = slash < 0 ? "" : rest[(slash + 1)..];
        if (container.Length == 0)
            throw new StorageException(StorageErrorKind.InvalidKey, $"'{address}' names no bucket or store: write {scheme}://name/key.", address);
        return new StorageUri { Kind = AddressKind.Cloud, Scheme = scheme, Container = container, Key = key, Original = address };
    }

    private static StorageUri ParseAzure(string address, string rest)
    {
        var parts = rest.Split('/', 3);
        if (parts.Length < 2 || parts[0].Length == 0 || parts[1].Length == 0)
            throw new StorageException(StorageErrorKind.InvalidKey, $"'{address}' must have the form az://account/container/blob.", address);
        return new StorageUri
        {
            Kind = AddressKind.Cloud, Scheme = "az", Account = parts[0], Container = parts[1],
            Key = parts.Length == 3 ? parts[2] : "", Original = address,
        };
    }

    private static StorageUri ParseFile(string address, string rest)
    {
        // file:///tmp/x -> "/tmp/x"; file:///C:/x -> "C:/x"; file://localhost/tmp/x -> "/tmp/x".
        if (rest.StartsWith("localhost/", StringComparison.OrdinalIgnoreCase)) rest = rest["localhost".Length..];
        if (!rest.StartsWith('/'))
            throw new StorageException(StorageErrorKind.InvalidKey, $"'{address}' must be an absolute file URI such as file:///srv/data.", address);
        // Verbatim like every other address (no percent-decoding), so an item's Uri always parses back to its key.
        var path = rest;
        if (path.Length >= 3 && path[0] == '/' && char.IsAsciiLetter(path[1]) && path[2] == ':') path = path[1..];
        return new StorageUri { Kind = AddressKind.LocalPath, LocalPath = path, Original = address };
    }
}
