using System.Runtime.CompilerServices;
using CloudStorage.Core.Addressing;
using CloudStorage.Core.Model;
using Polly;
using CloudStorage.Core.Providers;

namespace CloudStorage.Providers.Resilience;

/// <summary>
/// The resilience layer for any provider (OpenDAL's retry layer): each operation is retried on transient failures
/// (<see cref="StorageResilienceOptions"/>). The name, keys and capabilities are the inner provider's, exactly: each
/// optional ability it declares (server-side copy, presign, hashes, batch delete) is offered through this layer with
/// the same retries, and none it lacks.
/// <list type="bullet">
/// <item>A listing that fails part-way is started again and resumes after the last key it yielded.</item>
/// <item>A write is retried only when its stream can seek back to where it started; a non-seekable stream that
/// failed has been consumed (providers retry their own parts, whose bytes they hold in memory).</item>
/// <item>A read is retried where it broke: opening it, and any read of its body that fails transiently (a dropped
/// connection, a stall past the read timeout, a body shorter than promised) reopens the object with a range from the
/// first byte not yet handed out, so the caller sees one whole stream or a StorageException.</item>
/// <item>Whatever escapes the inner provider leaves as a <see cref="Core.Errors.StorageException"/> with a kind.</item>
/// <item>A batch delete is retried for the keys that failed transiently (the whole batch when its request failed);
/// keys already deleted are not sent again.</item>
/// </list>
/// </summary>
public sealed class ResilientStorageProvider : ProviderDecorator
{
    private readonly ResiliencePipeline _pipeline;

    /// <summary>Wraps <paramref name="inner"/> with retries configured by <paramref name="options"/>.</summary>
    public ResilientStorageProvider(IStorageProvider inner, StorageResilienceOptions? options = null) : base(inner)
    {
        Options = options ?? new StorageResilienceOptions();
        _pipeline = StorageResilience.CreatePipeline(Options);
    }

    /// <summary>The retry settings.</summary>
    public StorageResilienceOptions Options { get; }

    /// <inheritdoc />
    public override string Name => Inner.Name;

    /// <inheritdoc />
    public override string AddressRoot => Inner.AddressRoot;

    /// <inheritdoc />
    public override string ToInnerKey(string key) => key;

    /// <inheritdoc />
    public override string FromInnerKey(string innerKey) => innerKey;

    /// <inheritdoc />
    public override async IAsyncEnumerable<StorageItem> ListAsync(ListRequest request, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        IAsyncEnumerator<StorageItem>? pages = null;
        string? last = null;
        try
        {
            while (true)
            {
                var item = await _pipeline.ExecuteAsync("List", async ct =>
                {
                    // After a failure the listing starts again; keys up to the last one yielded are skipped.
                    pages ??= Inner.ListAsync(request, ct).GetAsyncEnumerator(ct);
                    try
                    {
                        while (await pages.MoveNextAsync().ConfigureAwait(false))
                            if (last is null || KeyComparer.Instance.Compare(pages.Current.Key, last) > 0) return pages.Current;
                        return null;
                    }
                    catch
                    {
                        await pages.DisposeAsync().ConfigureAwait(false);
                        pages = null;
                        throw;
                    }
                }, cancellationToken).ConfigureAwait(false);
                if (item is null) yield break;
                last = item.Key;
                yield return item;
            }
        }
        finally
        {
            if (pages is not null) await pages.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <inheritdoc />
    public override Task<StorageItem?> StatAsync(string key, CancellationToken cancellationToken = default) =>
        _pipeline.ExecuteAsync("Stat", ct => new ValueTask<StorageItem?>(Inner.StatAsync(key, ct)), cancellationToken).AsTask();

    /// <inheritdoc />
    public override async Task<Stream> OpenReadAsync(string key, ByteRange? range = null, CancellationToken cancellationToken = default)
    {
        var first = await _pipeline.ExecuteAsync("OpenRead", ct => new ValueTask<Stream>(Inner.OpenReadAsync(key, range, ct)), cancellationToken).ConfigureAwait(false);
        return new ResumingReadStream(Inner, _pipeline, key, range, first);
    }

    /// <inheritdoc />
    public override Task<StorageItem> WriteAsync(string key, Stream content, WriteOptions options, CancellationToken cancellationToken = default)
    {
        // A source that cannot seek back cannot be sent again: one attempt (the cloud providers retry the parts and
        // single requests whose bytes they hold in memory), its failure still mapped to a StorageException.
        if (!content.CanSeek)
            return ResiliencePipeline.Empty.ExecuteAsync("Write", ct => new ValueTask<StorageItem>(Inner.WriteAsync(key, content, options, ct)), cancellationToken).AsTask();
        var start = content.Position;
        var attempt = 0;
        return _pipeline.ExecuteAsync("Write", ct =>
        {
            if (attempt++ > 0) content.Position = start;
            return new ValueTask<StorageItem>(Inner.WriteAsync(key, content, options, ct));
        }, cancellationToken).AsTask();
    }

    /// <inheritdoc />
    public override Task DeleteAsync(string key, CancellationToken cancellationToken = default) =>
        _pipeline.ExecuteAsync("Delete", async ct =>
        {
            await Inner.DeleteAsync(key, ct).ConfigureAwait(false);
            return true;
        }, cancellationToken).AsTask();

    /// <inheritdoc />
    protected internal override Task<T> InvokeAsync<T>(string operation, Func<CancellationToken, Task<T>> call, CancellationToken cancellationToken) =>
        _pipeline.ExecuteAsync(operation, ct => new ValueTask<T>(call(ct)), cancellationToken).AsTask();

    /// <inheritdoc />
    protected override ProviderCapabilities Decorate(ProviderCapabilities inner) => base.Decorate(inner) with
    {
        BatchDeleter = inner.BatchDeleter is { } d ? new RetryingBatchDeleter(this, d) : null,
    };

    // Retries the keys that failed transiently, not the whole batch.
    private sealed class RetryingBatchDeleter(ResilientStorageProvider owner, IBatchDeleter deleter) : IBatchDeleter
    {
        public int MaxBatchSize => deleter.MaxBatchSize;

        public async Task<IReadOnlyList<DeleteResult>> DeleteManyAsync(IReadOnlyList<string> keys, CancellationToken cancellationToken = default)
        {
            var results = new Dictionary<string, DeleteResult>(StringComparer.Ordinal);
            IReadOnlyList<string> pending = keys.Distinct(StringComparer.Ordinal).ToList();
            try
            {
                await owner._pipeline.ExecuteAsync("DeleteMany", async ct =>
                {
                    var answered = await deleter.DeleteManyAsync(pending, ct).ConfigureAwait(false);
                    foreach (var result in answered) results[result.Key] = result;
                    var retry = answered.Where(r => r.Error is { } e && StorageResilience.IsRetryable(e)).ToList();
                    if (retry.Count == 0) return true;
                    pending = retry.Select(r => r.Key).ToList();
                    throw retry[0].Error!; // one transient error (with its Retry-After) stands for the keys to send again
                }, cancellationToken).ConfigureAwait(false);
            }
            catch (Core.Errors.StorageException e)
            {
                // Retries used up (those keys keep their own last error), or a failure thrown for the whole call.
                foreach (var key in pending) results.TryAdd(key, new DeleteResult(key, e));
            }
            return keys.Select(k => results.GetValueOrDefault(k) ?? new DeleteResult(k, new Core.Errors.StorageException(Core.Errors.StorageErrorKind.Unknown,
                $"Provider '{owner.Name}' reported nothing about '{owner.AddressRoot + k}'.", owner.AddressRoot + k, owner.Name))).ToList();
        }
    }
}
