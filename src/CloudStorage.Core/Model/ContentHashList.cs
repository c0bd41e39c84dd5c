using System.Collections.ObjectModel;

namespace CloudStorage.Core.Model;

/// <summary>
/// The hashes of a <see cref="StorageItem"/>: a read-only list whose text is "MD5:… CRC32C:…", so Export-Csv and
/// string conversion show the hashes rather than a type name.
/// </summary>
public sealed class ContentHashList : ReadOnlyCollection<ContentHash>
{
    /// <summary>No hashes.</summary>
    public static new ContentHashList Empty { get; } = new([]);

    private ContentHashList(IList<ContentHash> hashes) : base(hashes) { }

    /// <summary>The list for <paramref name="hashes"/> (kept when it already is one; null means none).</summary>
    public static ContentHashList From(IReadOnlyList<ContentHash>? hashes) => hashes switch
    {
        null => Empty,
        ContentHashList list => list,
        { Count: 0 } => Empty,
        _ => new ContentHashList(hashes.ToArray()),
    };

    /// <inheritdoc />
    public override string ToString() => string.Join(" ", this);
}
