using System.Buffers;
using System.Runtime.CompilerServices;
using CloudStorage.Core.Errors;
using CloudStorage.Core.Hashing;
using CloudStorage.Core.Model;

namespace CloudStorage.Core.Providers.Local;

/// <summary>
/// Objects as files under a root directory (<c>file:///srv/data/key</c>), keys '/'-separated. Writes go to a
/// hidden temp file in the destination directory and are renamed into place, so a reader sees the old or the
/// new file, never a partial one. Directories are only containers: empty ones list as nothing, and deleting the
/// last object under a directory removes it, as a prefix vanishes in an object store. Keys never leave the root,
/// not through '..' and not through a link.
/// </summary>
internal sealed class LocalStorageProvider : IStorageProvider, IServerSideCopier, IHashSource, IExistenceProbe
{
    private const int BufferSize = 1 << 20;

    private static readonly IReadOnlySet<HashAlgorithmKind> ComputedHashes =
        new HashSet<HashAlgorithmKind> { HashAlgorithmKind.MD5, HashAlgorithmKind.CRC32C, HashAlgorithmKind.SHA256 };

    private readonly ConfinedRoot _paths;

    // Directories this provider has swept for stale temp files, and when (at most one sweep per directory a minute).
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, DateTime> _swept = new(StringComparer.Ordinal);

    // Temp files of the writes in flight in this process, whichever provider made them: never swept, whatever their time
    // says (a local copy's temp file starts with its source's time, and a commit stamps the object's time on it just
    // before the rename, so an old object's temp file looks like a leftover of a killed transfer).
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, byte> InFlightTemps = new(StringComparer.Ordinal);

    /// <summary>
    /// A hidden temp file of ours (<c>.cloudstorage-tmp-</c> and 32 hex digits) not written to for this long is the
    /// leftover of a killed transfer: a later write into its folder removes it, and so does a delete that would
    /// otherwise leave the folder empty (so it is pruned). A live transfer writes far more often than this.
    /// </summary>
    public static TimeSpan StaleTempFileAge { get; } = TimeSpan.FromMinutes(60);

    private static readonly TimeSpan SweepInterval = TimeSpan.FromMinutes(1);

    /// <summary>
    /// A provider for the files under <paramref name="rootDirectory"/>, named <paramref name="name"/> or <c>file:///root</c>.
    /// With <paramref name="pruneEmptyDirectories"/>, deleting the last file of a folder removes the folder (never the
    /// root), as a prefix vanishes in an object store; off for ad-hoc paths, where the folders are the user's own.
    /// </summary>
    public LocalStorageProvider(string rootDirectory, string? name = null, bool pruneEmptyDirectories = true)
    {
        PruneEmptyDirectories = pruneEmptyDirectories;
        RootDirectory = ConfinedRoot.NormalizeRoot(rootDirectory);
        AddressRoot = ConfinedRoot.AddressRootFor(RootDirectory);
        Name = name ?? ConfinedRoot.DisplayNameFor(RootDirectory);
        _paths = new ConfinedRoot(RootDirectory, Name);
    }

    /// <summary>The root directory, fully qualified, without a trailing separator unless it is a file-system root.</summary>
    public string RootDirectory { get; }

    /// <summary>Whether deletes remove the folders they leave empty.</summary>
    public bool PruneEmptyDirectories { get; }

    /// <inheritdoc />
    public string Name { get; }

    /// <inheritdoc />
    public string AddressRoot { get; }

    /// <inheritdoc />
    public ProviderCapabilities Capabilities => _capabilities ??= new()
    {
        // Nothing is stored beside the bytes, so hashes come from reading the file (IHashSource).
        ListedHashes = new HashSet<HashAlgorithmKind>(),
        HashSource = this,
        ExistenceProbe = this,
        Copier = this,
        UserMetadata = false,
        ContentType = false,
        CanSetModifiedTime = true,
        // ext4, XFS, btrfs, APFS and NTFS keep 100 ns or better; 1 ms is a safe promise for them (not for FAT/HFS+).
        ModifiedTimePrecision = TimeSpan.FromMilliseconds(1),
        MaxListPageSize = 1000,
    };

    private ProviderCapabilities? _capabilities;

    IReadOnlySet<HashAlgorithmKind> IHashSource.Algorithms => ComputedHashes;

    /// <summary>The directory a prefix key ("" or ending in '/') names; InvalidKey when it breaks the key rules.</summary>
    internal string ResolveDirectory(string prefixKey) => _paths.ForPrefix(prefixKey).DirectoryPath;

    /// <inheritdoc />
    public async IAsyncEnumerable<StorageItem> ListAsync(ListRequest request, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var prefix = request.Prefix ?? "";
        var (directoryKey, directoryPath, partialName) = _paths.ForPrefix(prefix);
        var delimiter = string.IsNullOrEmpty(request.Delimiter) ? null : request.Delimiter;
        var pageSize = Math.Clamp(request.PageSize ?? Capabilities.MaxListPageSize, 1, Capabilities.MaxListPageSize);
        var walker = new LocalDirectoryWalker(_paths, Name);
        // For '/' the walker rolls directories up itself and never descends into them; any other delimiter
        // is applied to the recursive, sorted walk, where each common prefix's keys are contiguous.
        var entries = walker.Walk(directoryPath, directoryKey, partialName, rollUpDirectories: delimiter == "/", cancellationToken);
        string? lastCommonPrefix = null;
        var inPage = 0;
        foreach (var entry in entries)
        {
            StorageItem item;
            if (entry.IsPrefix)
            {
                item = PrefixItem(entry.Key);
            }
            else if (delimiter is not null && entry.Key.IndexOf(delimiter, prefix.Length, StringComparison.Ordinal) is var cut and >= 0)
            {
                var common = entry.Key[..(cut + delimiter.Length)];
                if (common == lastCommonPrefix) continue;
                lastCommonPrefix = common;
                item = PrefixItem(common);
            }
            else
            {
                item = ToItem(entry.Key, entry.File!);
            }
            yield return item;
            if (++inPage == pageSize)
            {
                inPage = 0;
                await Task.Yield(); // a page boundary: let cancellation and other work in
                cancellationToken.ThrowIfCancellationRequested();
            }
        }
    }

    /// <summary>True when the folder a prefix names exists (the root for ""; for "a/b" or "a/b/", the folder a/b).</summary>
    public Task<bool> PrefixExistsAsync(string prefix, CancellationToken cancellationToken = default)
    {
        var folderPrefix = prefix.Length == 0 || prefix.EndsWith('/') ? prefix : prefix + "/";
        var (_, directoryPath, _) = _paths.ForPrefix(folderPrefix);
        return Task.FromResult(Directory.Exists(directoryPath));
    }

    /// <inheritdoc />
    public Task<StorageItem?> StatAsync(string key, CancellationToken cancellationToken = default)
    {
        var path = _paths.ForObjectKey(key);
        cancellationToken.ThrowIfCancellationRequested();
        try
        {
            var file = ObjectFile(path);
            return Task.FromResult(file is null ? null : ToItem(key, file));
        }
        catch (Exception e) when (IsFileSystemError(e))
        {
            throw Map(e, key, "read the properties of");
        }
    }

    /// <inheritdoc />
    public Task<Stream> OpenReadAsync(string key, ByteRange? range = null, CancellationToken cancellationToken = default)
    {
        var path = _paths.ForObjectKey(key);
        cancellationToken.ThrowIfCancellationRequested();
        FileStream file;
        try
        {
            // Share Delete so an overwrite (rename) or delete proceeds while we read the version we opened.
            file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete,
                4096, FileOptions.Asynchronous | FileOptions.SequentialScan);
        }
        catch (Exception e) when (IsFileSystemError(e))
        {
            if (ObjectFile(path) is null) throw StorageException.NotFound(AddressRoot + key, Name);
            throw Map(e, key, "open");
        }
        if (range is null) return Task.FromResult<Stream>(file);
        try
        {
            var (start, count) = range.Value.Resolve(file.Length);
            return Task.FromResult<Stream>(new BoundedReadStream(file, start, count));
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    /// <inheritdoc />
    public async Task<StorageItem> WriteAsync(string key, Stream content, WriteOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(content);
        ArgumentNullException.ThrowIfNull(options);
        var path = _paths.ForObjectKey(key);
        var address = AddressRoot + key;
        cancellationToken.ThrowIfCancellationRequested();
        EnsureNotDirectory(key, path);

        var (temp, file) = CreateInDestinationDirectory(key, path, t =>
            new FileStream(t, FileMode.CreateNew, FileAccess.Write, FileShare.None, 0, FileOptions.Asynchronous));
        var readingSource = false;
        try
        {
            await using (file.ConfigureAwait(false))
            {
                // Hash only to verify: nothing is stored beside the bytes. When the content already hashes what it
                // delivers (IHashedStream), its hashes serve (one pass over the bytes, not two).
                var verify = options.ExpectedHashes is { Count: > 0 };
                var includeSha256 = options.ExpectedHashes?.Any(h => h.Algorithm == HashAlgorithmKind.SHA256) == true;
                var (source, hashing, ownsHashing) = verify ? HashedStreams.For(content, includeSha256) : (content, null, false);
                using var ownedHashing = ownsHashing ? (HashingStream)hashing! : null;
                long written = 0;
                var writeback = new EarlyWriteback(file.SafeFileHandle);
                var buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
                try
                {
                    while (true)
                    {
                        readingSource = true;
                        var n = await source.ReadAsync(buffer.AsMemory(0, BufferSize), cancellationToken).ConfigureAwait(false);
                        readingSource = false;
                        if (n == 0) break;
                        written += n;
                        if (options.Length is { } limit && written > limit)
                            throw LengthMismatch(address, limit, $"more than {limit}");
                        await file.WriteAsync(buffer.AsMemory(0, n), cancellationToken).ConfigureAwait(false);
                        writeback.Written(written);
                    }
                }
                finally
                {
                    ArrayPool<byte>.Shared.Return(buffer);
                }
                if (options.Length is { } expected && written != expected)
                    throw LengthMismatch(address, expected, written.ToString());
                if (hashing is not null) HashVerification.Verify(options.ExpectedHashes, hashing.GetHashes().Hashes, address, Name);
                await file.FlushAsync(cancellationToken).ConfigureAwait(false);
                file.Flush(flushToDisk: true); // the rename must not outlive the data in a crash
            }
            return Commit(key, temp, path, options.ModifiedTime, cancellationToken);
        }
        catch (Exception e)
        {
            TryDelete(temp);
            // The caller's stream failing is the caller's error; pass it on as it is.
            if (readingSource || e is StorageException or OperationCanceledException || !IsFileSystemError(e)) throw;
            throw Map(e, key, "write");
        }
    }

    /// <inheritdoc />
    public Task DeleteAsync(string key, CancellationToken cancellationToken = default)
    {
        var path = _paths.ForObjectKey(key);
        cancellationToken.ThrowIfCancellationRequested();
        // A directory (or a link to one) is a prefix, not an object: there is nothing to delete. A link to a
        // file is the object; deleting it removes the link, not its target.
        if (ObjectFile(path) is null) return Task.CompletedTask;
        try
        {
            File.Delete(path);
        }
        catch (DirectoryNotFoundException)
        {
            return Task.CompletedTask;
        }
        catch (Exception e) when (IsFileSystemError(e))
        {
            throw Map(e, key, "delete");
        }
        SweepStaleTempFiles(Path.GetDirectoryName(path)!);
        if (PruneEmptyDirectories) RemoveEmptyDirectories(Path.GetDirectoryName(path));
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public bool CanCopyFrom(IStorageProvider source) => source is LocalStorageProvider;

    /// <inheritdoc />
    /// <remarks>Local files have no content type or metadata to keep; the copy gets <see cref="WriteOptions.ModifiedTime"/> or now.</remarks>
    public async Task<StorageItem> CopyFromAsync(IStorageProvider source, string sourceKey, string destinationKey, WriteOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (source is not LocalStorageProvider src)
            throw new StorageException(StorageErrorKind.Unsupported,
                $"'{Name}' cannot copy server-side from '{source?.Name}': only from another local provider.", source?.Name, Name);
        var sourcePath = src._paths.ForObjectKey(sourceKey);
        var path = _paths.ForObjectKey(destinationKey);
        var sourceAddress = src.AddressRoot + sourceKey;
        var address = AddressRoot + destinationKey;
        cancellationToken.ThrowIfCancellationRequested();
        if (src.ObjectFile(sourcePath) is null) throw StorageException.NotFound(sourceAddress, src.Name);
        EnsureNotDirectory(destinationKey, path);

        string? temp = null;
        try
        {
            // File.Copy lets the OS copy in the kernel (copy_file_range, reflinks, CopyFileEx).
            (temp, _) = await Task.Run(() => CreateInDestinationDirectory(destinationKey, path, t =>
            {
                File.Copy(sourcePath, t, overwrite: false);
                // File.Copy keeps the source's time; a temp file must look as fresh as it is (stale ones are swept).
                File.SetLastWriteTimeUtc(t, DateTime.UtcNow);
                return true;
            }), cancellationToken).ConfigureAwait(false);
            var size = new FileInfo(temp).Length;
            if (options.Length is { } expected && size != expected)
                throw LengthMismatch(address, expected, size.ToString());
            if (options.ExpectedHashes is { Count: > 0 } expectedHashes)
            {
                var actual = new List<ContentHash>();
                foreach (var algorithm in expectedHashes.Select(h => h.Algorithm).Distinct())
                {
                    await using var stream = new FileStream(temp, FileMode.Open, FileAccess.Read, FileShare.Read, 4096, FileOptions.Asynchronous | FileOptions.SequentialScan);
                    actual.Add(await ComputeHashAsync(stream, algorithm, cancellationToken).ConfigureAwait(false));
                }
                HashVerification.Verify(expectedHashes, actual, address, Name);
            }
            return Commit(destinationKey, temp, path, options.ModifiedTime ?? DateTimeOffset.UtcNow, cancellationToken);
        }
        catch (Exception e)
        {
            if (temp is not null) TryDelete(temp);
            if (e is StorageException or OperationCanceledException || !IsFileSystemError(e)) throw;
            if (e is FileNotFoundException && src.ObjectFile(sourcePath) is null) throw StorageException.NotFound(sourceAddress, src.Name);
            throw Map(e, destinationKey, "copy to");
        }
    }

    /// <inheritdoc />
    /// <remarks>Reads the whole file; every algorithm of <see cref="HashAlgorithmKind"/> is available.</remarks>
    public async Task<ContentHash?> GetHashAsync(string key, HashAlgorithmKind algorithm, CancellationToken cancellationToken = default)
    {
        if (!ComputedHashes.Contains(algorithm)) return null;
        var stream = await OpenReadAsync(key, null, cancellationToken).ConfigureAwait(false);
        await using (stream.ConfigureAwait(false))
        {
            try
            {
                return await ComputeHashAsync(stream, algorithm, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (IsFileSystemError(e))
            {
                throw Map(e, key, "hash");
            }
        }
    }

    private static async Task<ContentHash> ComputeHashAsync(Stream stream, HashAlgorithmKind algorithm, CancellationToken cancellationToken)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
        try
        {
            if (algorithm == HashAlgorithmKind.CRC32C)
            {
                var crc = new Crc32C();
                int n;
                while ((n = await stream.ReadAsync(buffer.AsMemory(0, BufferSize), cancellationToken).ConfigureAwait(false)) > 0)
                    crc.Append(buffer.AsSpan(0, n));
                return new ContentHash(algorithm, crc.GetCurrentHashBigEndian());
            }
            using var hash = System.Security.Cryptography.IncrementalHash.CreateHash(algorithm == HashAlgorithmKind.MD5
                ? System.Security.Cryptography.HashAlgorithmName.MD5
                : System.Security.Cryptography.HashAlgorithmName.SHA256);
            int read;
            while ((read = await stream.ReadAsync(buffer.AsMemory(0, BufferSize), cancellationToken).ConfigureAwait(false)) > 0)
                hash.AppendData(buffer, 0, read);
            return new ContentHash(algorithm, hash.GetHashAndReset());
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    // Stamps the finished temp file and renames it over the destination (atomic on one volume).
    private StorageItem Commit(string key, string temp, string path, DateTimeOffset? modifiedTime, CancellationToken cancellationToken)
    {
        if (modifiedTime is { } time) File.SetLastWriteTimeUtc(temp, time.UtcDateTime);
        // The rename keeps size and time, so this describes the version we store even if another writer follows.
        var item = ToItem(key, new FileInfo(temp));
        cancellationToken.ThrowIfCancellationRequested();
        try
        {
            File.Move(temp, path, overwrite: true);
            InFlightTemps.TryRemove(temp, out _);
        }
        catch (IOException) when (Directory.Exists(path))
        {
            throw DirectoryConflict(key);
        }
        return item;
    }

    // Creates the destination's directory and, in it, a uniquely named temp file through `create`. A concurrent
    // delete may prune the directory between the two steps; then it is created again.
    private (string Temp, T Value) CreateInDestinationDirectory<T>(string key, string path, Func<string, T> create)
    {
        var directory = Path.GetDirectoryName(path)!;
        for (var attempt = 1; ; attempt++)
        {
            var temp = Path.Join(directory, ConfinedRoot.TempPrefix + Guid.NewGuid().ToString("N"));
            InFlightTemps[temp] = 0; // until Commit renames it or TryDelete removes it
            try
            {
                Directory.CreateDirectory(directory);
                var created = create(temp);
                SweepStaleTempFiles(directory, temp);
                return (temp, created);
            }
            catch (Exception e) when (IsFileSystemError(e))
            {
                TryDelete(temp);
                if (e is DirectoryNotFoundException && attempt < 4 && ObjectAncestorOf(key) is null) continue;
                if (e is IOException && ObjectAncestorOf(key) is { } ancestor)
                    throw new StorageException(StorageErrorKind.Conflict,
                        $"'{AddressRoot + key}' cannot be stored: '{AddressRoot + ancestor}' is an object, so it cannot also be a folder.",
                        AddressRoot + key, Name, e);
                throw Map(e, key, "write");
            }
        }
    }

    private void EnsureNotDirectory(string key, string path)
    {
        if (Directory.Exists(path)) throw DirectoryConflict(key);
    }

    private StorageException DirectoryConflict(string key) =>
        new(StorageErrorKind.Conflict,
            $"'{AddressRoot + key}' cannot be stored: a folder of that name holds other keys ('{key}/...').", AddressRoot + key, Name);

    // The shortest proper prefix of the key that exists as a file, if any.
    private string? ObjectAncestorOf(string key)
    {
        var slash = key.IndexOf('/');
        while (slash > 0)
        {
            var ancestor = key[..slash];
            if (File.Exists(_paths.ToPath(ancestor))) return ancestor;
            slash = key.IndexOf('/', slash + 1);
        }
        return null;
    }

    // The file an (already confined) path names, following a link; null for missing paths and directories.
    private FileInfo? ObjectFile(string path)
    {
        var (kind, _) = ConfinedRoot.Probe(path);
        FileInfo file = kind switch
        {
            EntryKind.File => new FileInfo(path),
            EntryKind.Link => new FileInfo(ConfinedRoot.RealPath(path)),
            _ => null!,
        };
        return file is { Exists: true } ? file : null;
    }

    // Removes directories left empty, up to but not including the root, so a "folder" vanishes with its last key.
    private void RemoveEmptyDirectories(string? directory)
    {
        while (directory is not null &&
               directory.Length > RootDirectory.Length &&
               ConfinedRoot.IsUnder(directory, RootDirectory) &&
               ConfinedRoot.Probe(directory).Kind == EntryKind.Directory)
        {
            try
            {
                Directory.Delete(directory, recursive: false);
            }
            catch (DirectoryNotFoundException)
            {
                // Someone else removed it; carry on upwards.
            }
            catch (Exception e) when (IsFileSystemError(e))
            {
                // Not empty (or not ours to remove): stop here, unless all it holds is what killed transfers left.
                if (!RemoveIfOnlyStaleTempFiles(directory)) return;
            }
            directory = Path.GetDirectoryName(directory);
        }
    }

    private static readonly EnumerationOptions TempFileEnumeration = new()
    {
        AttributesToSkip = 0, IgnoreInaccessible = true, RecurseSubdirectories = false, ReturnSpecialDirectories = false,
    };

    /// <summary>True for a name of the form our writes give their temp files.</summary>
    internal static bool IsTempFileName(string name) =>
        name.Length == ConfinedRoot.TempPrefix.Length + 32 &&
        name.StartsWith(ConfinedRoot.TempPrefix, StringComparison.Ordinal) &&
        !name.AsSpan(ConfinedRoot.TempPrefix.Length).ContainsAnyExcept("0123456789abcdef");

    private static bool IsStaleTempFile(string path) =>
        IsTempFileName(Path.GetFileName(path)) && !InFlightTemps.ContainsKey(path) && DateTime.UtcNow - File.GetLastWriteTimeUtc(path) >= StaleTempFileAge;

    // Removes the leftovers of killed transfers from a directory: at most once a minute per directory, so a tree
    // written into one big folder does not scan it once per file.
    private void SweepStaleTempFiles(string directory, string? ownTemp = null)
    {
        var now = DateTime.UtcNow;
        if (_swept.TryGetValue(directory, out var last) && now - last < SweepInterval) return;
        _swept[directory] = now;
        try
        {
            foreach (var file in Directory.EnumerateFiles(directory, ConfinedRoot.TempPrefix + "*", TempFileEnumeration))
                if (file != ownTemp && IsStaleTempFile(file)) TryDelete(file);
        }
        catch (Exception e) when (IsFileSystemError(e))
        {
            // Best effort: a folder we cannot list has nothing we can clean either.
        }
    }

    // Removes a directory whose only entries are stale temp files; false when anything else is in it.
    private static bool RemoveIfOnlyStaleTempFiles(string directory)
    {
        try
        {
            var entries = Directory.EnumerateFileSystemEntries(directory, "*", TempFileEnumeration).Take(1000).ToList();
            if (entries.Count == 0 || entries.Count == 1000 || !entries.All(IsStaleTempFile)) return false;
            foreach (var entry in entries) File.Delete(entry);
            Directory.Delete(directory, recursive: false);
            return true;
        }
        catch (Exception e) when (IsFileSystemError(e))
        {
            return false;
        }
    }

    private StorageItem ToItem(string key, FileInfo file)
    {
        var size = file.Length;
        var modified = file.LastWriteTimeUtc;
        return new StorageItem
        {
            ProviderName = Name,
            Key = key,
            Uri = AddressRoot + key,
            Size = size,
            LastModified = new DateTimeOffset(modified.Ticks, TimeSpan.Zero),
            ETag = $"{modified.Ticks:x}-{size:x}",
        };
    }

    private StorageItem PrefixItem(string key) => new() { ProviderName = Name, Key = key, Uri = AddressRoot + key, IsPrefix = true };

    private StorageException LengthMismatch(string address, long expected, string actual) =>
        new(StorageErrorKind.IntegrityFailure,
            $"Expected {expected} bytes for '{address}' but the stream had {actual}; nothing was stored.", address, Name);

    private StorageException Map(Exception e, string key, string action)
    {
        var address = AddressRoot + key;
        return e switch
        {
            StorageException s => s,
            UnauthorizedAccessException => new(StorageErrorKind.PermissionDenied, $"Permission denied: could not {action} '{address}'. {e.Message}", address, Name, e),
            FileNotFoundException or DirectoryNotFoundException => new(StorageErrorKind.NotFound, $"'{address}' was not found in provider '{Name}'.", address, Name, e),
            PathTooLongException => new(StorageErrorKind.InvalidKey, $"Invalid key '{key}': the path is too long for this file system.", key, Name, e),
            _ => new(StorageErrorKind.Unknown, $"Could not {action} '{address}': {e.Message}", address, Name, e),
        };
    }

    private static bool IsFileSystemError(Exception e) => e is IOException or UnauthorizedAccessException;

    private static void TryDelete(string path)
    {
        try { File.Delete(path); }
        catch (Exception e) when (IsFileSystemError(e)) { }
        InFlightTemps.TryRemove(path, out _);
    }
}
