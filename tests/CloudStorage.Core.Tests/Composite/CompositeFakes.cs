using System.Runtime.CompilerServices;
using CloudStorage.Core.Errors;
using CloudStorage.Core.Model;
using CloudStorage.Core.Providers;
using CloudStorage.Core.Providers.Composite;
using CloudStorage.Core.Providers.Memory;

namespace CloudStorage.Core.Tests.Composite;

/// <summary>
/// A memory store that can be taken down (every call fails transiently, as a stopped emulator's would after the
/// replica's retries) or made to refuse writes; calls are counted.
/// </summary>
internal sealed class SwitchableStore(MemoryStorageProvider inner, bool copier = true) : ProviderDecorator(inner)
{
    private int _calls;

    public MemoryStorageProvider Store => (MemoryStorageProvider)Inner;
    public bool Down { get; set; }
    public bool RefuseWrites { get; set; }
    public int Calls => Volatile.Read(ref _calls);
    public override string Name => Inner.Name;
    public override string AddressRoot => Inner.AddressRoot;
    public override string ToInnerKey(string key) => key;
    public override string FromInnerKey(string innerKey) => innerKey;

    // Without a copier, a replicated write must feed this store the caller's bytes.
    protected override ProviderCapabilities Decorate(ProviderCapabilities inner) => base.Decorate(inner) with { Copier = copier ? base.Decorate(inner).Copier : null };

    private void Enter()
    {
        Interlocked.Increment(ref _calls);
        if (Down) throw new StorageException(StorageErrorKind.Transient, $"'{AddressRoot}' is down (simulated)", AddressRoot, Name);
    }

    protected internal override Task<T> InvokeAsync<T>(string operation, Func<CancellationToken, Task<T>> call, CancellationToken cancellationToken)
    {
        Enter();
        if (RefuseWrites && operation == "Copy") throw new StorageException(StorageErrorKind.Transient, "write refused (simulated)", AddressRoot, Name);
        return base.InvokeAsync(operation, call, cancellationToken);
    }

    public override async IAsyncEnumerable<StorageItem> ListAsync(ListRequest request, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        Enter();
        await foreach (var item in base.ListAsync(request, cancellationToken))
        {
            if (Down) throw new StorageException(StorageErrorKind.Transient, $"'{AddressRoot}' went down mid-listing (simulated)", AddressRoot, Name);
            yield return item;
        }
    }

    public override Task<StorageItem?> StatAsync(string key, CancellationToken cancellationToken = default)
    {
        Enter();
        return base.StatAsync(key, cancellationToken);
    }

    public override Task<Stream> OpenReadAsync(string key, ByteRange? range = null, CancellationToken cancellationToken = default)
    {
        Enter();
        return base.OpenReadAsync(key, range, cancellationToken);
    }

    public override async Task<StorageItem> WriteAsync(string key, Stream content, WriteOptions options, CancellationToken cancellationToken = default)
    {
        Enter();
        if (RefuseWrites)
        {
            // Reads some of the bytes first, as a real upload that breaks would.
            await content.ReadAtLeastAsync(new byte[100], 1, throwOnEndOfStream: false, cancellationToken);
            throw new StorageException(StorageErrorKind.Transient, "write refused (simulated)", AddressRoot + key, Name);
        }
        return await base.WriteAsync(key, content, options, cancellationToken);
    }

    public override Task DeleteAsync(string key, CancellationToken cancellationToken = default)
    {
        Enter();
        return base.DeleteAsync(key, cancellationToken);
    }
}

/// <summary>A breaker that opens after <paramref name="failures"/> transient failures in a row (a stand-in for the Polly one).</summary>
internal sealed class CountingBreaker(int failures = 2) : IReplicaBreaker
{
    private int _inARow;

    public bool IsOpen => Volatile.Read(ref _inARow) >= failures;

    public async Task<T> ExecuteAsync<T>(Func<CancellationToken, Task<T>> call, CancellationToken cancellationToken)
    {
        if (IsOpen) throw new StorageException(StorageErrorKind.Transient, "breaker open (test)");
        try
        {
            var result = await call(cancellationToken);
            Interlocked.Exchange(ref _inARow, 0);
            return result;
        }
        catch (StorageException e) when (e.IsTransient)
        {
            Interlocked.Increment(ref _inARow);
            throw;
        }
    }
}

/// <summary>A forward-only source that counts the bytes read from it (a replicated write must read it once).</summary>
internal sealed class CountingSource(byte[] data) : Stream
{
    private int _position;
    public long BytesRead => _position;
    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => _position; set => throw new NotSupportedException(); }
    public override int Read(byte[] buffer, int offset, int count)
    {
        var n = Math.Min(count, data.Length - _position);
        Array.Copy(data, _position, buffer, offset, n);
        _position += n;
        return n;
    }
    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}

/// <summary>Collects the replica outcomes reported on the current async flow (a cmdlet's sink, in tests).</summary>
internal static class ReplicationCapture
{
    public static List<ReplicaOutcome> Start(out IDisposable scope)
    {
        var outcomes = new List<ReplicaOutcome>();
        scope = ReplicationLog.Use(o => { lock (outcomes) outcomes.Add(o); });
        return outcomes;
    }
}
