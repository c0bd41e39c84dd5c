using CloudStorage.Core.Addressing;

namespace CloudStorage.Core.Providers.Local;

/// <summary>
/// A destination folder on local disk that the objects of a tree are written into (Get-StorageObject -Recurse,
/// Copy-StorageObject and Sync-StorageProvider to a local folder). Every key is checked against the folder before it
/// reaches the file system: a key that would not land under the folder ('..', empty segments, absolute forms,
/// backslashes, drive letters, control characters, names the file system cannot hold, a link leading out) is an
/// InvalidKey error for that object alone. The work is done by the local provider it wraps, so server-side copy,
/// the overlap check of sync and item addresses (<c>file:///folder/key</c>) stay what they were.
/// </summary>
internal sealed class LocalFolderProvider : ProviderDecorator
{
    private readonly LocalStorageProvider _local;
    private readonly string _folderKey;
    private readonly ConfinedRoot _folder;

    private LocalFolderProvider(LocalStorageProvider local, string folderKey) : base(local)
    {
        _local = local;
        _folderKey = folderKey;
        Folder = ConfinedRoot.NormalizeRoot(_local.ResolveDirectory(folderKey));
        _folder = new ConfinedRoot(Folder, local.Name);
    }

    /// <summary>The folder, fully qualified.</summary>
    public string Folder { get; }

    /// <inheritdoc />
    public override string Name => _local.Name;

    /// <inheritdoc />
    public override string AddressRoot => _local.AddressRoot + _folderKey;

    /// <summary>
    /// The folder <paramref name="folder"/> names, confined, when it is a plain local path (a provider of its own
    /// with the folder as root); any other location is returned as it is: its provider's keys are already confined
    /// (a named local root) or are not paths at all (clouds, memory). A subfolder of a confined folder is confined
    /// to the subfolder.
    /// </summary>
    public static StorageLocation Confine(StorageLocation folder)
    {
        ArgumentNullException.ThrowIfNull(folder);
        var key = folder.AsPrefix;
        switch (folder.Provider)
        {
            case LocalStorageProvider local:
                // The folder's own key follows the root provider's rules ('..' and the like are refused there).
                local.ResolveDirectory(key);
                return new StorageLocation(new LocalFolderProvider(local, key), "");
            case LocalFolderProvider outer:
                outer._folder.ForPrefix(key);
                return new StorageLocation(new LocalFolderProvider(outer._local, outer._folderKey + key), "");
            default:
                return folder;
        }
    }

    /// <summary>The file a key of this folder is written to; InvalidKey when the key would not land under the folder.</summary>
    public string PathOf(string key) => _folder.ForObjectKey(key);

    /// <inheritdoc />
    public override string ToInnerKey(string key)
    {
        if (key.Length == 0 || key.EndsWith('/')) _folder.ForPrefix(key);
        else _folder.ForObjectKey(key);
        return _folderKey + key;
    }

    /// <inheritdoc />
    public override string FromInnerKey(string innerKey) =>
        innerKey.StartsWith(_folderKey, StringComparison.Ordinal) ? innerKey[_folderKey.Length..] : innerKey;
}
