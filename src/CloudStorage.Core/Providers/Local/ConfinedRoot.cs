using CloudStorage.Core.Addressing;
using CloudStorage.Core.Errors;

namespace CloudStorage.Core.Providers.Local;

/// <summary>
/// A root directory that keys are confined under: maps keys to paths under it and keeps them there (shared key
/// rules, file-system segment rules, no escape through a symbolic link or junction whose target lies outside the (resolved) root).
/// The check runs before each operation; it guards against mistakes and hostile keys, not against a local
/// process that swaps a directory for a link between the check and the use.
/// </summary>
internal sealed class ConfinedRoot
{
    /// <summary>Name prefix of in-flight writes; such files are never listed and no key may use the name.</summary>
    public const string TempPrefix = ".cloudstorage-tmp-";

    private const int MaxLinkHops = 40;
    private const int MaxNameLength = 255;

    private static readonly StringComparison PathComparison =
        OperatingSystem.IsWindows() || OperatingSystem.IsMacOS() ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;

    private static readonly HashSet<string> WindowsDeviceNames = new(StringComparer.OrdinalIgnoreCase)
    {
        "CON", "PRN", "AUX", "NUL", "COM1", "COM2", "COM3", "COM4", "COM5", "COM6", "COM7", "COM8", "COM9",
        "LPT1", "LPT2", "LPT3", "LPT4", "LPT5", "LPT6", "LPT7", "LPT8", "LPT9",
    };

    private readonly string _provider;

    public ConfinedRoot(string root, string provider)
    {
        Root = root;
        _provider = provider;
    }

    /// <summary>The root, fully qualified, without a trailing separator unless it is a file-system root.</summary>
    public string Root { get; }

    /// <summary>Makes a root directory canonical: fully qualified, trailing separators trimmed (except "/" or "C:\").</summary>
    public static string NormalizeRoot(string rootDirectory)
    {
        if (string.IsNullOrWhiteSpace(rootDirectory))
            throw new StorageException(StorageErrorKind.Configuration, "A local provider needs a root directory.", rootDirectory);
        var full = Path.GetFullPath(rootDirectory);
        var pathRoot = Path.GetPathRoot(full) ?? "";
        var trimmed = full.TrimEnd(Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar);
        return trimmed.Length < pathRoot.Length ? pathRoot : trimmed;
    }

    /// <summary><c>file:///</c> for "/", <c>file:///srv/data/</c> for "/srv/data", <c>file:///C:/</c> for "C:\".</summary>
    public static string AddressRootFor(string root)
    {
        var forward = root.Replace('\\', '/');
        return "file://" + (forward.StartsWith('/') ? "" : "/") + forward + (forward.EndsWith('/') ? "" : "/");
    }

    /// <summary><c>file:///srv/data</c>; a file-system root keeps its slash (<c>file:///</c>, <c>file:///C:/</c>).</summary>
    /// <remarks>Takes a normalized root, where only a file-system root ends with a separator.</remarks>
    public static string DisplayNameFor(string root)
    {
        var address = AddressRootFor(root);
        return root.EndsWith('/') || root.EndsWith('\\') ? address : address[..^1];
    }

    /// <summary>Validates an object key and returns its path; InvalidKey when it breaks a rule or leaves the root.</summary>
    public string ForObjectKey(string key)
    {
        KeyValidator.ValidateObjectKey(key, _provider);
        KeyValidator.ValidatePathSegments(key, _provider);
        ValidateLocalSegments(key, key.Split('/'));
        var path = ToPath(key);
        EnsureConfined(key, key.Split('/'));
        return path;
    }

    /// <summary>
    /// Validates a listing prefix and returns the directory fully named by it (its key ends with '/', or is
    /// empty) and the partial name after it. The partial name is only matched against names, never made a path.
    /// </summary>
    public (string DirectoryKey, string DirectoryPath, string PartialName) ForPrefix(string prefix)
    {
        KeyValidator.ValidatePrefix(prefix, _provider);
        var slash = prefix.LastIndexOf('/');
        var directoryKey = prefix[..(slash + 1)];
        var partial = prefix[(slash + 1)..];
        if (partial.Contains('\\'))
            throw StorageException.InvalidKey(prefix, "backslashes are not allowed; use '/' between segments.", _provider);
        if (directoryKey.Length == 0) return ("", Root, partial);
        KeyValidator.ValidatePathSegments(directoryKey, _provider);
        var segments = directoryKey[..^1].Split('/');
        ValidateLocalSegments(prefix, segments);
        EnsureConfined(prefix, segments);
        return (directoryKey, ToPath(directoryKey[..^1]), partial);
    }

    /// <summary>True when the key could be written here (used to leave unaddressable file names out of listings).</summary>
    public bool IsAddressable(string key)
    {
        try
        {
            KeyValidator.ValidateObjectKey(key, _provider);
            KeyValidator.ValidatePathSegments(key, _provider);
            ValidateLocalSegments(key, key.Split('/'));
            return true;
        }
        catch (StorageException)
        {
            return false;
        }
    }

    /// <summary>The root with every link resolved.</summary>
    public string RealRoot => RealPath(Root);

    /// <summary>True when <paramref name="realPath"/> (already resolved) lies in or under <paramref name="realRoot"/>.</summary>
    public static bool IsUnder(string realPath, string realRoot)
    {
        if (IsFileSystemRoot(realRoot))
            return string.Equals(Path.GetPathRoot(realPath), realRoot, PathComparison);
        return string.Equals(realPath, realRoot, PathComparison) ||
               realPath.Length > realRoot.Length &&
               realPath.StartsWith(realRoot, PathComparison) &&
               (realPath[realRoot.Length] == Path.DirectorySeparatorChar || realPath[realRoot.Length] == Path.AltDirectorySeparatorChar);
    }

    /// <summary>
    /// The path with every symbolic link and junction resolved, POSIX style ('..' after a link goes up from the
    /// link's target). Components that do not exist are appended as they are.
    /// </summary>
    public static string RealPath(string fullPath)
    {
        var current = Path.GetPathRoot(fullPath)!;
        var pending = new LinkedList<string>(SplitSegments(fullPath[current.Length..]));
        var hops = 0;
        while (pending.First is { } node)
        {
            pending.RemoveFirst();
            var segment = node.Value;
            if (segment is "" or ".") continue;
            if (segment == "..")
            {
                current = Path.GetDirectoryName(current) ?? current;
                continue;
            }
            var next = Path.Join(current, segment);
            var probe = Probe(next);
            if (probe.Kind == EntryKind.Missing)
            {
                foreach (var rest in pending) next = Path.Join(next, rest);
                return next;
            }
            if (probe.LinkTarget is { } target)
            {
                if (++hops > MaxLinkHops)
                    throw new IOException($"Too many levels of symbolic links resolving '{fullPath}'.");
                if (Path.IsPathRooted(target))
                {
                    var absolute = Path.GetFullPath(target, current);
                    current = Path.GetPathRoot(absolute)!;
                    target = absolute[current.Length..];
                }
                foreach (var s in SplitSegments(target).Reverse()) pending.AddFirst(s);
                continue;
            }
            current = next;
        }
        return current;
    }

    /// <summary>What is at a path, without following a final link.</summary>
    public static (EntryKind Kind, string? LinkTarget) Probe(string path)
    {
        try
        {
            var info = new FileInfo(path);
            var attributes = info.Attributes;
            if ((int)attributes == -1) return (EntryKind.Missing, null);
            if ((attributes & FileAttributes.ReparsePoint) != 0 && info.LinkTarget is { } target)
                return (EntryKind.Link, target);
            return ((attributes & FileAttributes.Directory) != 0 ? EntryKind.Directory : EntryKind.File, null);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException or PathTooLongException)
        {
            return (EntryKind.Missing, null);
        }
    }

    /// <summary>The path of a (validated) key, which lexically stays under the root.</summary>
    public string ToPath(string key)
    {
        var path = Path.Join(Root, key.Replace('/', Path.DirectorySeparatorChar));
        // Validation forbids '..', empty segments and separators inside segments; this guards the guard.
        if (!IsUnder(Path.GetFullPath(path), Root))
            throw StorageException.InvalidKey(key, "it would leave the provider's root directory.", _provider);
        return path;
    }

    // Walks the key's existing components; any link among them must resolve inside the resolved root. Under "/" (the
    // root of plain local paths) nothing can point outside, so nothing is walked; under another root, the root itself
    // is resolved only when a link is met (a probe per component of the root's own path, and most keys meet none).
    private void EnsureConfined(string key, string[] segments)
    {
        if (IsFileSystemRoot(Root)) return; // nothing can point outside "/"
        string? realRoot = null;
        var current = Root;
        foreach (var segment in segments)
        {
            current = Path.Join(current, segment);
            var (kind, _) = Probe(current);
            switch (kind)
            {
                case EntryKind.Missing:
                case EntryKind.File:
                    return; // nothing exists below a missing component or a file
                case EntryKind.Link:
                    realRoot ??= RealRoot;
                    if (IsFileSystemRoot(realRoot)) return; // nothing can point outside "/"
                    string real;
                    try { real = RealPath(current); }
                    catch (IOException e)
                    {
                        throw new StorageException(StorageErrorKind.InvalidKey,
                            $"Invalid key '{StorageException.Printable(key)}': {e.Message}", key, _provider, e);
                    }
                    if (!IsUnder(real, realRoot))
                        throw StorageException.InvalidKey(key,
                            $"'{Path.GetFileName(current)}' is a link to '{real}', outside the provider's root '{Root}'.", _provider);
                    break;
            }
        }
    }

    private void ValidateLocalSegments(string key, string[] segments)
    {
        foreach (var segment in segments)
        {
            // NAME_MAX: 255 UTF-8 bytes on Linux and macOS file systems, 255 UTF-16 units on Windows.
            var nameLength = OperatingSystem.IsWindows() ? segment.Length : System.Text.Encoding.UTF8.GetByteCount(segment);
            if (nameLength > MaxNameLength)
                throw StorageException.InvalidKey(key, $"a name may have at most {MaxNameLength} {(OperatingSystem.IsWindows() ? "characters" : "UTF-8 bytes")} on this file system.", _provider);
            // A drive designator ("C:", "c:x") makes a Windows path rooted or drive-relative; refused on every OS so a
            // tree downloads the same everywhere.
            if (segment.Length >= 2 && char.IsAsciiLetter(segment[0]) && segment[1] == ':')
                throw StorageException.InvalidKey(key, $"'{segment}' starts with a drive letter; such names are not allowed in local paths.", _provider);
            if (segment.StartsWith(TempPrefix, StringComparison.Ordinal))
                throw StorageException.InvalidKey(key, $"names starting with '{TempPrefix}' are reserved for in-flight writes.", _provider);
            if (OperatingSystem.IsWindows())
            {
                if (segment.EndsWith('.') || segment.EndsWith(' '))
                    throw StorageException.InvalidKey(key, "a name ending in '.' or ' ' cannot be stored on this file system.", _provider);
                var stem = segment.Split('.')[0].TrimEnd();
                if (WindowsDeviceNames.Contains(stem))
                    throw StorageException.InvalidKey(key, $"'{segment}' is a reserved device name on Windows.", _provider);
            }
        }
    }

    private static bool IsFileSystemRoot(string path) =>
        string.Equals(Path.GetPathRoot(path), path, PathComparison);

    private static IEnumerable<string> SplitSegments(string path) =>
        path.Split(Path.DirectorySeparatorChar == Path.AltDirectorySeparatorChar
            ? [Path.DirectorySeparatorChar]
            : [Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar]);
}

/// <summary>What a path names.</summary>
internal enum EntryKind
{
    Missing,
    File,
    Directory,
    Link,
}
