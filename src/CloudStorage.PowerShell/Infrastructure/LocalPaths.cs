using CloudStorage.Core.Addressing;
using CloudStorage.Core.Errors;

namespace CloudStorage.PowerShell.Infrastructure;

/// <summary>Local path handling for uploads: provider-qualified paths, file URIs, literal paths, then wildcards.</summary>
internal static class LocalPaths
{
    /// <summary>
    /// The existing files and directories a -Path value names, sorted: the path itself when it exists literally,
    /// else its wildcard expansion (any segment may hold wildcards). NotFound when nothing matches.
    /// </summary>
    public static IReadOnlyList<string> Expand(string path, string currentDirectory)
    {
        // Get-ChildItem pipes PSPath as "Microsoft.PowerShell.Core\FileSystem::/tmp/x".
        if (path.Contains('\0'))
            throw new StorageException(StorageErrorKind.InvalidArgument, $"The path '{path.Replace("\0", "\\u0000")}' contains a NUL character.", path.Replace("\0", "\\u0000"));
        var qualifier = path.IndexOf("::", StringComparison.Ordinal);
        if (qualifier >= 0) path = path[(qualifier + 2)..];
        if (path.StartsWith("file:", StringComparison.OrdinalIgnoreCase)) path = StorageUri.Parse(path).LocalPath ?? path;

        var full = Path.GetFullPath(path, currentDirectory);
        if (File.Exists(full) || Directory.Exists(full)) return [full];
        if (Wildcard.ContainsWildcard(path))
        {
            var matches = ExpandWildcards(full);
            if (matches.Count > 0) return matches;
            throw new StorageException(StorageErrorKind.NotFound, $"No file matches '{path}'.", path);
        }
        throw new StorageException(StorageErrorKind.NotFound, $"Cannot find path '{full}' because it does not exist.", full);
    }

    /// <summary>Every file below a directory (hidden ones included), sorted ordinally.</summary>
    public static IEnumerable<string> FilesBelow(string directory) =>
        // Lazy, unsorted: a folder of millions of files must not be held in memory before the first upload.
        Directory.EnumerateFiles(directory, "*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0, IgnoreInaccessible = false });

    /// <summary>The path of <paramref name="file"/> below <paramref name="directory"/> as a '/'-separated key.</summary>
    public static string RelativeKey(string directory, string file) => Path.GetRelativePath(directory, file).Replace('\\', '/');

    private static List<string> ExpandWildcards(string full)
    {
        var root = Path.GetPathRoot(full) ?? "";
        var segments = full[root.Length..].Split([Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar], StringSplitOptions.RemoveEmptyEntries);
        var current = new List<string> { root };
        foreach (var segment in segments)
        {
            var next = new List<string>();
            foreach (var dir in current)
            {
                if (!Wildcard.ContainsWildcard(segment))
                {
                    var candidate = Path.Combine(dir, Unescape(segment));
                    if (File.Exists(candidate) || Directory.Exists(candidate)) next.Add(candidate);
                    continue;
                }
                if (!Directory.Exists(dir)) continue;
                var matcher = Wildcard.ToRegex(segment);
                next.AddRange(Directory.EnumerateFileSystemEntries(dir)
                    .Where(e => matcher.IsMatch(Path.GetFileName(e)))
                    .Order(StringComparer.Ordinal));
            }
            current = next;
            if (current.Count == 0) break;
        }
        return current;
    }

    private static string Unescape(string segment)
    {
        var sb = new System.Text.StringBuilder(segment.Length);
        for (int i = 0; i < segment.Length; i++)
        {
            if (segment[i] == '`' && i + 1 < segment.Length) i++;
            sb.Append(segment[i]);
        }
        return sb.ToString();
    }
}
