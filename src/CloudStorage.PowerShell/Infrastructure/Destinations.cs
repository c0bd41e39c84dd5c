using CloudStorage.Core.Addressing;
using CloudStorage.Core.Model;

namespace CloudStorage.PowerShell.Infrastructure;

/// <summary>
/// The folder rule shared by Send-, Copy- and Get-StorageObject: a destination that ends with a separator, or that
/// names an existing folder (a prefix with objects under it, or a local directory), means "under it, with the
/// source's name"; anything else is the exact key (or, for a tree, the tree's new root). As with rsync, a source
/// tree written with a trailing separator (<c>src/</c>) means its content: it goes straight into the destination.
/// </summary>
internal static class Destinations
{
    /// <summary>True when the destination address means a folder.</summary>
    public static async Task<bool> IsFolderAsync(ICmdletContext context, string address, StorageLocation location, CancellationToken ct)
    {
        if (location.IsPrefixOnly || address.EndsWith('/') || address.EndsWith('\\')) return true;
        if (LocalPathOf(context, address) is { } local)
            return Directory.Exists(local);
        if (await location.Provider.StatAsync(location.Key, ct).ConfigureAwait(false) is not null) return false;
        await foreach (var _ in location.Provider.ListAsync(new ListRequest { Prefix = location.AsPrefix, PageSize = 1 }, ct).ConfigureAwait(false))
            return true;
        return false;
    }

    /// <summary>Where an object named <paramref name="name"/> goes.</summary>
    public static async Task<StorageLocation> ForObjectAsync(ICmdletContext context, string address, StorageLocation location, string name, CancellationToken ct) =>
        await IsFolderAsync(context, address, location, ct).ConfigureAwait(false) ? location.Child(name) : location;

    /// <summary>The root a tree named <paramref name="name"/> is copied to (a prefix location).</summary>
    public static async Task<StorageLocation> ForTreeAsync(ICmdletContext context, string address, StorageLocation location, string name, CancellationToken ct)
    {
        var root = await IsFolderAsync(context, address, location, ct).ConfigureAwait(false) && name.Length > 0
            ? location.Child(name + "/")
            : location;
        return new StorageLocation(root.Provider, root.AsPrefix);
    }

    /// <summary>The name a source tree keeps at the destination: its last segment, or "" (its content only) when the
    /// source is written with a trailing separator or is a root.</summary>
    public static string TreeName(string source) =>
        source.Length == 0 || source.EndsWith('/') || source.EndsWith('\\') ? "" : StorageItem.NameOf(source.Replace('\\', '/'));

    /// <summary>The absolute local path an address names, or null when it is not a local address.</summary>
    public static string? LocalPathOf(ICmdletContext context, string address)
    {
        var parsed = StorageUri.Parse(address);
        if (parsed.Kind != AddressKind.LocalPath) return null;
        return Path.GetFullPath(parsed.LocalPath!, context.CurrentDirectory);
    }
}
