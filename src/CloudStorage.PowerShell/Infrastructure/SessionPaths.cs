using System.Management.Automation;
using CloudStorage.Core.Addressing;
using CloudStorage.Core.Errors;

namespace CloudStorage.PowerShell.Infrastructure;

/// <summary>
/// Turns what a user typed into an address the engine understands, the way PowerShell's own cmdlets read paths: a
/// local path goes through the session's provider (<c>~</c>, PSDrives such as <c>Temp:</c>, the current location
/// after Set-Location, provider-qualified PSPaths), so it means what it means to Get-ChildItem. Cloud and named
/// addresses pass through unchanged; a <c>name:</c> that is no registered provider but a file-system PSDrive is
/// that drive. Runs on the pipeline thread (session state is not thread-safe).
/// </summary>
internal static class SessionPaths
{
    /// <summary>
    /// The engine address for <paramref name="address"/>: an absolute file-system path for local paths (a trailing
    /// separator kept, since it means "the contents of"), else the address as given.
    /// </summary>
    public static string ToEngineAddress(SessionState session, ProviderRegistry registry, string address)
    {
        if (string.IsNullOrEmpty(address)) return address;
        StorageUri parsed;
        try { parsed = StorageUri.Parse(address); }
        catch (StorageException) { return address; } // the engine reports the malformed address with its own message

        switch (parsed.Kind)
        {
            case AddressKind.Cloud:
                return address;
            case AddressKind.Named:
                if (registry.GetRegistrations().Any(r => string.Equals(r.Name, parsed.ProviderName, StringComparison.OrdinalIgnoreCase)))
                    return address;
                return IsFileSystemDrive(session, parsed.ProviderName!) ? ProviderPath(session, address) ?? address : address;
            default:
                if (address.StartsWith("file:", StringComparison.OrdinalIgnoreCase)) return address;
                return ProviderPath(session, address) ?? address;
        }
    }

    /// <summary>
    /// The existing files and directories an upload's -Path (wildcards allowed) or -LiteralPath names, as absolute
    /// file-system paths; NotFound when nothing matches.
    /// </summary>
    public static IReadOnlyList<string> ResolveFiles(SessionState session, string path, bool literal)
    {
        var provider = ProviderPath(session, path)
            ?? throw new StorageException(StorageErrorKind.InvalidArgument, $"'{path}' is not a file-system path.", path);
        if (File.Exists(provider) || Directory.Exists(provider)) return [provider];
        if (!literal && WildcardPattern.ContainsWildcardCharacters(path))
        {
            try
            {
                var matches = session.Path.GetResolvedProviderPathFromPSPath(path, out var info);
                if (IsFileSystem(info) && matches.Count > 0) return matches.Order(StringComparer.Ordinal).ToList();
            }
            catch (ItemNotFoundException)
            {
                // Nothing matches: reported below like a missing literal path.
            }
            throw new StorageException(StorageErrorKind.NotFound, $"No file matches '{path}'.", path);
        }
        throw NotFound(provider);
    }

    /// <summary>The NotFound error for a local path that does not exist, in PowerShell's words.</summary>
    public static StorageException NotFound(string path) =>
        new(StorageErrorKind.NotFound, $"Cannot find path '{path}' because it does not exist.", path);

    /// <summary>True when <paramref name="address"/> is a local path (absolute after <see cref="ToEngineAddress"/>) that exists neither as a file nor as a folder.</summary>
    public static bool IsMissingLocalPath(string address, string currentDirectory)
    {
        StorageUri parsed;
        try { parsed = StorageUri.Parse(address); }
        catch (StorageException) { return false; }
        if (parsed.Kind != AddressKind.LocalPath) return false;
        var full = Path.GetFullPath(parsed.LocalPath!, currentDirectory);
        return !File.Exists(full) && !Directory.Exists(full);
    }

    private static string? ProviderPath(SessionState session, string path)
    {
        try
        {
            var resolved = session.Path.GetUnresolvedProviderPathFromPSPath(path, out var provider, out _);
            if (!IsFileSystem(provider)) return null;
            if ((path.EndsWith('/') || path.EndsWith('\\')) && !Path.EndsInDirectorySeparator(resolved))
                resolved += Path.DirectorySeparatorChar;
            return resolved;
        }
        catch (Exception ex) when (ex is ProviderNotFoundException or System.Management.Automation.DriveNotFoundException or NotSupportedException
                                       or PSInvalidOperationException or ArgumentException or ItemNotFoundException)
        {
            return null;
        }
    }

    private static bool IsFileSystemDrive(SessionState session, string name)
    {
        try { return IsFileSystem(session.Drive.Get(name)?.Provider); }
        catch (Exception ex) when (ex is System.Management.Automation.DriveNotFoundException or ArgumentException or PSArgumentException) { return false; }
    }

    private static bool IsFileSystem(ProviderInfo? provider) =>
        provider is not null && string.Equals(provider.Name, "FileSystem", StringComparison.OrdinalIgnoreCase);
}
