using System.Runtime.CompilerServices;
using CloudStorage.Model;

namespace CloudStorage.Providers;

/// <summary>
/// Base for providers that wrap another (a name and key prefix, resilience, ...). Keys are mapped on the way in
/// and items re-addressed on the way out; optional abilities of the inner provider stay visible through
/// <see cref="Innermost"/> so the engine can still use server-side copy and presigning.
/// </summary>
public abstract class ProviderDecorator : IStorageProvider
{
    /// <summary>Wraps <paramref name="inner"/>.</summary>
    protected ProviderDecorator(IStorageProvider inner) => Inner = inner;

    /// <summary>The wrapped provider.</summary>
    public IStorageProvider Inner { get; }

    /// <inheritdoc />
    public abstract string Name { get; }

    /// <inheritdoc />
    public abstract string AddressRoot { get; }

    /// <inheritdoc />
    public virtual ProviderCapabilities Capabilities => Inner.Capabilities;

    /// <summary>The inner key for one of this provider's keys.</summary>
    public abstract string ToInnerKey(string key);

    /// <summary>This provider's key for an inner key (the inverse of <see cref="ToInnerKey"/>).</summary>
    public abstract string FromInnerKey(string innerKey);

    /// <summary>Re-addresses an inner item as one of this provider's.</summary>
    public StorageItem FromInner(StorageItem item)
    {
        var key = FromInnerKey(item.Key);
        return item with { Key = key, ProviderName = Name, Uri = AddressRoot + key };
    }

    /// <summary>Unwraps decorators down to the provider that does the work, mapping the key along.</summary>
    public static (IStorageProvider Provider, string Key) Innermost(IStorageProvider provider, string key)
    {
        while (provider is ProviderDecorator d)
        {
            key = d.ToInnerKey(key);
            provider = d.Inner;
        }
        return (provider, key);
    }

    /// <inheritdoc />
    public virtual async IAsyncEnumerable<StorageItem> ListAsync(ListRequest request, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var inner = request with { Prefix = ToInnerKey(request.Prefix) };
        await foreach (var item in Inner.ListAsync(inner, cancellationToken).ConfigureAwait(false))
            yield return FromInner(item);
    }

    /// <inheritdoc />
    public virtual async Task<StorageItem?> StatAsync(string key, CancellationToken cancellationToken = default)
    {
        var item = await Inner.StatAsync(ToInnerKey(key), cancellationToken).ConfigureAwait(false);
        return item is null ? null : FromInner(item);
    }

    /// <inheritdoc />
    public virtual Task<Stream> OpenReadAsync(string key, ByteRange? range = null, CancellationToken cancellationToken = default) =>
        Inner.OpenReadAsync(ToInnerKey(key), range, cancellationToken);

    /// <inheritdoc />
    public virtual async Task<StorageItem> WriteAsync(string key, Stream content, WriteOptions options, CancellationToken cancellationToken = default) =>
        FromInner(await Inner.WriteAsync(ToInnerKey(key), content, options, cancellationToken).ConfigureAwait(false));

    /// <inheritdoc />
    public virtual Task DeleteAsync(string key, CancellationToken cancellationToken = default) =>
        Inner.DeleteAsync(ToInnerKey(key), cancellationToken);
}
