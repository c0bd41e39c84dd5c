using CloudStorage.Core.Addressing;
using CloudStorage.Core.Errors;

namespace CloudStorage.Core.Providers.Local;

/// <summary>
/// Walks a directory tree lazily, one directory in memory at a time, yielding files in the
/// <see cref="KeyComparer"/> order of their whole keys. Within a directory a file sorts by its name and a
/// subdirectory by its name plus '/', because every key below "d" starts with "d/" (so "a-b" comes before
/// "a/x"). Temp files of in-flight writes, names that are not valid keys, and links leaving the root are
/// skipped; links to directories are not followed (no cycles), links to files inside the root are listed.
/// </summary>
internal sealed class LocalDirectoryWalker
{
    private static readonly EnumerationOptions Options = new()
    {
        // The default skips Hidden (dot-files on Unix) and System entries; an object store has no hidden keys.
        AttributesToSkip = 0,
        IgnoreInaccessible = false,
        RecurseSubdirectories = false,
        ReturnSpecialDirectories = false,
    };

    private readonly ConfinedRoot _paths;
    private readonly string _realRoot;
    private readonly string _provider;

    public LocalDirectoryWalker(ConfinedRoot paths, string provider)
    {
        _paths = paths;
        _provider = provider;
        _realRoot = paths.RealRoot;
    }

    /// <summary>An object (with its file) or, when directories are rolled up, a non-empty directory's prefix.</summary>
    public readonly record struct Entry(string Key, FileInfo? File)
    {
        public bool IsPrefix => File is null;
    }

    /// <summary>
    /// Entries under <paramref name="directoryPath"/> (key <paramref name="directoryKey"/>, "" or ending in '/')
    /// whose names start with <paramref name="namePrefix"/>. With <paramref name="rollUpDirectories"/> a
    /// subdirectory holding at least one object is yielded once as a prefix entry instead of being descended.
    /// </summary>
    public IEnumerable<Entry> Walk(string directoryPath, string directoryKey, string namePrefix, bool rollUpDirectories, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        foreach (var (key, info) in ReadSorted(directoryPath, directoryKey, namePrefix))
        {
            if (info is FileInfo file)
            {
                yield return new Entry(key, file);
                continue;
            }
            var subKey = key + "/";
            if (rollUpDirectories)
            {
                if (Walk(info.FullName, subKey, "", false, cancellationToken).Any())
                    yield return new Entry(subKey, null);
                continue;
            }
            foreach (var entry in Walk(info.FullName, subKey, "", false, cancellationToken))
                yield return entry;
        }
    }

    private List<(string Key, FileSystemInfo Info)> ReadSorted(string directoryPath, string directoryKey, string namePrefix)
    {
        var entries = new List<(string SortName, string Key, FileSystemInfo Info)>();
        try
        {
            foreach (var info in new DirectoryInfo(directoryPath).EnumerateFileSystemInfos("*", Options))
            {
                var name = info.Name;
                if (!name.StartsWith(namePrefix, StringComparison.Ordinal)) continue;
                if (name.StartsWith(ConfinedRoot.TempPrefix, StringComparison.Ordinal)) continue;
                var key = directoryKey + name;
                if (!_paths.IsAddressable(key)) continue;
                var resolved = Classify(info);
                if (resolved is null) continue;
                entries.Add((resolved is DirectoryInfo ? name + "/" : name, key, resolved));
            }
        }
        catch (DirectoryNotFoundException)
        {
            // Removed while we walked (or never there): it holds no objects.
        }
        catch (IOException) when (!Directory.Exists(directoryPath))
        {
            // A file where a directory was expected (ENOTDIR): no objects below it.
        }
        catch (UnauthorizedAccessException e)
        {
            throw new StorageException(StorageErrorKind.PermissionDenied,
                $"Cannot list '{ConfinedRoot.AddressRootFor(_paths.Root) + directoryKey}': {e.Message}", directoryKey, _provider, e);
        }
        entries.Sort((a, b) => KeyComparer.Instance.Compare(a.SortName, b.SortName));
        return entries.ConvertAll(e => (e.Key, e.Info));
    }

    // A file or directory as it should be treated; null to skip (escaping, dangling or directory links).
    private FileSystemInfo? Classify(FileSystemInfo info)
    {
        if ((info.Attributes & FileAttributes.ReparsePoint) == 0 || info.LinkTarget is null)
            return info;
        string real;
        try { real = ConfinedRoot.RealPath(info.FullName); }
        catch (IOException) { return null; } // a link loop
        if (!ConfinedRoot.IsUnder(real, _realRoot)) return null;
        var target = new FileInfo(real);
        return target.Exists ? target : null; // size and time are the target's
    }
}
