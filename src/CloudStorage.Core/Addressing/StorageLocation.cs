using CloudStorage.Core.Providers;

namespace CloudStorage.Core.Addressing;

/// <summary>A resolved address: the provider and the key (or prefix) inside it.</summary>
internal sealed record StorageLocation(IStorageProvider Provider, string Key)
{
    /// <summary>The canonical address.</summary>
    public string Uri => Provider.AddressRoot + Key;

    /// <summary>True when the key can only mean a prefix: empty (the root) or ending in '/'.</summary>
    public bool IsPrefixOnly => Key.Length == 0 || Key.EndsWith('/');

    /// <summary>The key as a prefix: "" stays "", otherwise it ends with '/'.</summary>
    public string AsPrefix => Key.Length == 0 || Key.EndsWith('/') ? Key : Key + "/";

    /// <summary>The location of a key relative to this location's prefix.</summary>
    public StorageLocation Child(string relativeKey) => new(Provider, AsPrefix + relativeKey);

    /// <inheritdoc />
    public override string ToString() => Uri;
}
