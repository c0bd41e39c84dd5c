using CloudStorage.Core.Addressing;

namespace CloudStorage.Core.Providers;

/// <summary>A registered provider: <c>backup:reports/q1.pdf</c> maps to the inner provider's <c>{root prefix}reports/q1.pdf</c>.</summary>
internal sealed class NamedProvider : ProviderDecorator
{
    private readonly string _rootPrefix;

    /// <summary>Wraps <paramref name="inner"/> under <paramref name="name"/>, confined to <paramref name="rootPrefix"/>.</summary>
    public NamedProvider(string name, IStorageProvider inner, string rootPrefix) : base(inner)
    {
        Name = name;
        _rootPrefix = rootPrefix.Length == 0 || rootPrefix.EndsWith('/') ? rootPrefix : rootPrefix + "/";
    }

    /// <inheritdoc />
    public override string Name { get; }

    /// <inheritdoc />
    public override string AddressRoot => Name + ":";

    /// <inheritdoc />
    public override string ToInnerKey(string key)
    {
        if (key.StartsWith('/'))
            throw Errors.StorageException.InvalidKey(key, "a key must not start with '/'.", Name);
        return _rootPrefix + key;
    }

    /// <inheritdoc />
    public override string FromInnerKey(string innerKey) =>
        innerKey.StartsWith(_rootPrefix, StringComparison.Ordinal) ? innerKey[_rootPrefix.Length..] : innerKey;
}
