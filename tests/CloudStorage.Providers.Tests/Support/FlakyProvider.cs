using System.Runtime.CompilerServices;
using CloudStorage.Core.Errors;
using CloudStorage.Core.Model;
using CloudStorage.Core.Providers.Memory;
using CloudStorage.Core.Providers;

namespace CloudStorage.Providers.Tests.Support;

/// <summary>
/// A memory store that fails on demand: each queued failure is thrown by the next call of the named operation
/// (for listings: after <see cref="ListFailAfter"/> items). Calls are counted per operation.
/// </summary>
public sealed class FlakyProvider : IStorageProvider, IServerSideCopier
{
    private readonly MemoryStorageProvider _store = new("flaky");
    private readonly Dictionary<string, Queue<Exception>> _failures = new();
    private readonly Dictionary<string, int> _calls = new();

    public string Name => _store.Name;
    public string AddressRoot => _store.AddressRoot;
    public ProviderCapabilities Capabilities => _store.Capabilities with { Copier = this, HashSource = null, ExistenceProbe = null };
    internal MemoryStorageProvider Store => _store;

    /// <summary>Listings fail (when a failure is queued) after yielding this many items.</summary>
    public int ListFailAfter { get; set; }

    public void Fail(string operation, params Exception[] errors)
    {
        lock (_failures)
        {
            if (!_failures.TryGetValue(operation, out var q)) _failures[operation] = q = new Queue<Exception>();
            foreach (var e in errors) q.Enqueue(e);
        }
    }

    public int Calls(string operation)
    {
        lock (_failures) return _calls.GetValueOrDefault(operation);
    }

    private void Enter(string operation)
    {
        Exception? error = null;
        lock (_failures)
        {
            _calls[operation] = _calls.GetValueOrDefault(operation) + 1;
            if (_failures.TryGetValue(operation, out var q) && q.Count > 0) error = q.Dequeue();
        }
        if (error is not null) throw error;
    }

    public static StorageException Transient(TimeSpan? retryAfter = null) =>
        new(StorageErrorKind.Transient, "simulated 503", "x", "flaky", retryAfter: retryAfter);

    public static StorageException Throttled(TimeSpan? retryAfter = null) =>
        new(StorageErrorKind.Throttled, "simulated SlowDown", "x", "flaky", retryAfter: retryAfter);

    public static StorageException Denied() => new(StorageErrorKind.PermissionDenied, "simulated AccessDenied", "x", "flaky");

    public async IAsyncEnumerable<StorageItem> ListAsync(ListRequest request, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var yielded = 0;
        var failing = false;
        lock (_failures)
        {
            _calls["List"] = _calls.GetValueOrDefault("List") + 1;
            failing = _failures.TryGetValue("List", out var q) && q.Count > 0;
        }
        await foreach (var item in _store.ListAsync(request, cancellationToken))
        {
            if (failing && yielded == ListFailAfter)
            {
                Exception error;
                lock (_failures) error = _failures["List"].Dequeue();
                throw error;
            }
            yielded++;
            yield return item;
        }
    }

    public Task<StorageItem?> StatAsync(string key, CancellationToken cancellationToken = default)
    {
        Enter("Stat");
        return _store.StatAsync(key, cancellationToken);
    }

    public Task<Stream> OpenReadAsync(string key, ByteRange? range = null, CancellationToken cancellationToken = default)
    {
        Enter("OpenRead");
        return _store.OpenReadAsync(key, range, cancellationToken);
    }

    public async Task<StorageItem> WriteAsync(string key, Stream content, WriteOptions options, CancellationToken cancellationToken = default)
    {
        // Consume some of the stream before failing, as a network upload would.
        var head = new byte[3];
        var n = await content.ReadAsync(head, cancellationToken);
        Enter("Write");
        var rest = new MemoryStream();
        rest.Write(head, 0, n);
        await content.CopyToAsync(rest, cancellationToken);
        rest.Position = 0;
        return await _store.WriteAsync(key, rest, options with { Length = rest.Length }, cancellationToken);
    }

    public Task DeleteAsync(string key, CancellationToken cancellationToken = default)
    {
        Enter("Delete");
        return _store.DeleteAsync(key, cancellationToken);
    }

    public bool CanCopyFrom(IStorageProvider source) => source is FlakyProvider;

    public Task<StorageItem> CopyFromAsync(IStorageProvider source, string sourceKey, string destinationKey, WriteOptions options, CancellationToken cancellationToken = default)
    {
        Enter("Copy");
        return _store.CopyFromAsync(((FlakyProvider)source)._store, sourceKey, destinationKey, options, cancellationToken);
    }
}
