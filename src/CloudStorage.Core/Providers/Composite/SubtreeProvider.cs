namespace CloudStorage.Core.Providers.Composite;

/// <summary>
/// A composite's member rooted at a key prefix of another provider (<c>s3e:media/</c>, <c>az://acct/c/media/</c>): its keys
/// are the composite's keys, and its items keep addresses that resolve on their own (<c>s3e:media/a.jpg</c>), so a
/// replica named in a report can be read, synced or repaired directly.
/// </summary>
internal sealed class SubtreeProvider(IStorageProvider inner, string prefix) : ProviderDecorator(inner)
{
    public override string Name => AddressRoot;

    public override string AddressRoot { get; } = inner.AddressRoot + prefix;

    public override string ToInnerKey(string key)
    {
        if (key.StartsWith('/'))
            throw Errors.StorageException.InvalidKey(key, "a key must not start with '/'.", Name);
        return prefix + key;
    }

    public override string FromInnerKey(string innerKey) =>
        innerKey.StartsWith(prefix, StringComparison.Ordinal) ? innerKey[prefix.Length..] : innerKey;
}
