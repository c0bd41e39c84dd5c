using CloudStorage.Core.Addressing;
using CloudStorage.Core.Errors;
using CloudStorage.Core.Model;
using CloudStorage.Core.Providers;
using CloudStorage.Core.Providers.Memory;

namespace CloudStorage.PowerShell.Tests.Support;

/// <summary>
/// A memory store dressed as <c>s3://bucket</c>: it presigns (with a recognisable fake signature), and it can be
/// told to fail a read midway or to block reads until cancelled, for atomicity and cancellation tests. It wraps its
/// store by composition (not as a decorator), so the engine sees a foreign provider and streams rather than copying
/// server-side from the memory store inside. Like S3 it deletes in batches (recorded), and it can refuse keys.
/// </summary>
public sealed class FakeCloudProvider : IStorageProvider, IPresigner, IBatchDeleter
{
    public const string Signature = "X-Fake-Signature=s3cr3t";
    private readonly MemoryStorageProvider _store;

    public FakeCloudProvider(string bucket)
    {
        Bucket = bucket;
        _store = new MemoryStorageProvider(bucket);
    }

    public string Bucket { get; }
    public string Name => "s3://" + Bucket;
    public string AddressRoot => "s3://" + Bucket + "/";
    public ProviderCapabilities Capabilities => _store.Capabilities with { Presigner = this, Copier = null, BatchDeleter = this, HashSource = null, ExistenceProbe = null };
    public TimeSpan MaxExpiry => TimeSpan.FromDays(7);

    /// <summary>Reads throw after this many bytes.</summary>
    public long? FailReadsAfter { get; set; }

    /// <summary>Reads wait until cancelled; set when a read has started.</summary>
    public bool BlockReads { get; set; }
    public TaskCompletionSource ReadStarted { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private StorageItem Readdress(StorageItem item) => item with { ProviderName = Name, Uri = AddressRoot + item.Key };

    public async IAsyncEnumerable<StorageItem> ListAsync(ListRequest request, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await foreach (var item in _store.ListAsync(request, cancellationToken)) yield return Readdress(item);
    }

    public async Task<StorageItem?> StatAsync(string key, CancellationToken cancellationToken = default) =>
        await _store.StatAsync(key, cancellationToken) is { } item ? Readdress(item) : null;

    public async Task<StorageItem> WriteAsync(string key, Stream content, WriteOptions options, CancellationToken cancellationToken = default) =>
        Readdress(await _store.WriteAsync(key, content, options, cancellationToken));

    public Task DeleteAsync(string key, CancellationToken cancellationToken = default)
    {
        Interlocked.Increment(ref _singleDeletes);
        return RefusedDeletes.Contains(key) ? Task.FromException(Refusal(key)) : _store.DeleteAsync(key, cancellationToken);
    }

    private int _singleDeletes;

    /// <summary>Deletes of one key through <see cref="DeleteAsync"/>.</summary>
    public int SingleDeletes => _singleDeletes;

    /// <summary>The keys of each DeleteManyAsync call.</summary>
    public System.Collections.Concurrent.ConcurrentQueue<IReadOnlyList<string>> DeleteBatches { get; } = new();

    /// <summary>Keys whose deletion is refused (PermissionDenied), alone or in a batch.</summary>
    public HashSet<string> RefusedDeletes { get; } = [];

    public int MaxBatchSize => 1000;

    public async Task<IReadOnlyList<DeleteResult>> DeleteManyAsync(IReadOnlyList<string> keys, CancellationToken cancellationToken = default)
    {
        DeleteBatches.Enqueue(keys.ToArray());
        var results = new List<DeleteResult>();
        foreach (var key in keys)
        {
            if (RefusedDeletes.Contains(key)) { results.Add(new DeleteResult(key, Refusal(key))); continue; }
            await _store.DeleteAsync(key, cancellationToken);
            results.Add(new DeleteResult(key));
        }
        return results;
    }

    private StorageException Refusal(string key) =>
        new(StorageErrorKind.PermissionDenied, $"Access to '{AddressRoot + key}' was denied (test).", AddressRoot + key, Name);

    public async Task<Stream> OpenReadAsync(string key, ByteRange? range = null, CancellationToken cancellationToken = default)
    {
        ReadStarted.TrySetResult();
        if (BlockReads) await Task.Delay(Timeout.Infinite, cancellationToken);
        var inner = await _store.OpenReadAsync(key, range, cancellationToken);
        return FailReadsAfter is { } limit ? new FailingStream(inner, limit) : inner;
    }

    public Task<PresignedUrl> PresignAsync(string key, PresignRequest request, CancellationToken cancellationToken = default) =>
        Task.FromResult(new PresignedUrl
        {
            Uri = AddressRoot + key,
            Method = request.Method,
            Url = $"https://{Bucket}.example.test/{Uri.EscapeDataString(key)}?{Signature}",
            ExpiresOn = DateTimeOffset.UtcNow + request.ExpiresIn,
        });

    private sealed class FailingStream(Stream inner, long limit) : Stream
    {
        private long _read;
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => inner.Length;
        public override long Position { get => _read; set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override int Read(byte[] buffer, int offset, int count)
        {
            if (_read >= limit)
                throw new StorageException(StorageErrorKind.Transient, "The connection was reset midway (test).", "s3://bucket");
            var n = inner.Read(buffer, offset, (int)Math.Min(count, limit - _read));
            _read += n;
            return n;
        }

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (_read >= limit)
                throw new StorageException(StorageErrorKind.Transient, "The connection was reset midway (test).", "s3://bucket");
            var n = inner.Read(buffer.Span[..(int)Math.Min(buffer.Length, limit - _read)]);
            _read += n;
            return ValueTask.FromResult(n);
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        protected override void Dispose(bool disposing) { if (disposing) inner.Dispose(); base.Dispose(disposing); }
    }
}

/// <summary>Serves <c>s3://</c> addresses of one bucket from a <see cref="FakeCloudProvider"/>.</summary>
public sealed class FakeCloudFactory(FakeCloudProvider provider) : IProviderFactory
{
    public string Scheme => "s3";

    public IStorageProvider Create(StorageUri uri, IReadOnlyDictionary<string, string> options) =>
        uri.Container == provider.Bucket ? provider : throw new StorageException(StorageErrorKind.NotFound, $"No bucket '{uri.Container}' (test).", uri.Original);
}
