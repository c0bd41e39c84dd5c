using System.Runtime.CompilerServices;
using CloudStorage.Core.Model;

namespace CloudStorage.Core.Providers;

/// <summary>
/// Base for providers that wrap another (a name and key prefix, resilience, ...). Keys are mapped on the way in
/// and items re-addressed on the way out. Its <see cref="Capabilities"/> are exactly the inner provider's: each ability
/// the inner one declares is offered for this provider's keys (through <see cref="InvokeAsync{T}"/>, where a decorator
/// adds its concern such as retries), and none other; a decorator that withholds or adds one says so in
/// <see cref="Decorate"/>.
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
    public ProviderCapabilities Capabilities => _capabilities ??= Decorate(Inner.Capabilities);

    private ProviderCapabilities? _capabilities;

    /// <summary>
    /// This provider's record from the inner one's: the flags as they are, each ability wrapped to map keys and run
    /// through <see cref="InvokeAsync{T}"/>. Overrides start from this and change what they change.
    /// </summary>
    protected virtual ProviderCapabilities Decorate(ProviderCapabilities inner) => inner with
    {
        Copier = inner.Copier is { } c ? new DecoratedAbilities.Copier(this, c) : null,
        Presigner = inner.Presigner is { } p ? new DecoratedAbilities.Presigner(this, p) : null,
        HashSource = inner.HashSource is { } h ? new DecoratedAbilities.HashSource(this, h) : null,
        BatchDeleter = inner.BatchDeleter is { } d ? new DecoratedAbilities.BatchDeleter(this, d) : null,
        ExistenceProbe = inner.ExistenceProbe is { } e ? new DecoratedAbilities.ExistenceProbe(this, e) : null,
    };

    /// <summary>Runs one call of the inner provider's abilities (<paramref name="operation"/> names it); a resilience layer retries here.</summary>
    protected internal virtual Task<T> InvokeAsync<T>(string operation, Func<CancellationToken, Task<T>> call, CancellationToken cancellationToken) =>
        call(cancellationToken);

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
