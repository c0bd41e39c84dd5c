using System.Collections.ObjectModel;

namespace CloudStorage.Core.Model;

/// <summary>
/// The user metadata of a <see cref="StorageItem"/>: read-only, case-insensitive keys, and text "name=value; …" in
/// key order, so Export-Csv and string conversion show the metadata rather than a type name.
/// </summary>
public sealed class MetadataDictionary : ReadOnlyDictionary<string, string>
{
    /// <summary>No metadata.</summary>
    public static new MetadataDictionary Empty { get; } = new(new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase));

    private MetadataDictionary(IDictionary<string, string> metadata) : base(metadata) { }

    /// <summary>The dictionary for <paramref name="metadata"/> (kept when it already is one; null means none).</summary>
    public static MetadataDictionary From(IReadOnlyDictionary<string, string>? metadata)
    {
        if (metadata is MetadataDictionary same) return same;
        if (metadata is null || metadata.Count == 0) return Empty;
        var copy = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (key, value) in metadata) copy[key] = value;
        return new MetadataDictionary(copy);
    }

    /// <inheritdoc />
    public override string ToString() =>
        string.Join("; ", this.OrderBy(e => e.Key, StringComparer.OrdinalIgnoreCase).Select(e => $"{e.Key}={e.Value}"));
}
