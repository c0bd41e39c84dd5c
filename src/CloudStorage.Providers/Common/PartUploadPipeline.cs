using CloudStorage.Core.Errors;
using CloudStorage.Providers.Resilience;
using Polly;

namespace CloudStorage.Providers.Common;

/// <summary>How one upload is cut and sent by <see cref="PartUploadPipeline"/>.</summary>
internal sealed record PartUploadOptions
{
    /// <summary>Bytes per part (the last may be shorter); the caller sizes it for known lengths (<c>PartSizing</c>, <c>BlockSizing</c>).</summary>
    public required long PartSize { get; init; }

    /// <summary>Parts on their way at once; buffers held are at most this many (a part is filled only when a slot is free).</summary>
    public required int Concurrency { get; init; }

    /// <summary>The most parts the service takes (S3 10,000; Azure 50,000).</summary>
    public required int MaxParts { get; init; }

    /// <summary>An object whose length is known and at most this goes up in one request, in a buffer of its own size.</summary>
    public long SingleUploadThreshold { get; init; }

    /// <summary>Retries of single parts and of the single request, whose bytes are in memory.</summary>
    public ResiliencePipeline Retry { get; init; } = ResiliencePipeline.Empty;

    /// <summary>What parts are called in messages (<c>parts</c>, <c>blocks</c>, <c>chunks</c>) and the option that sizes them (<c>part-size</c>).</summary>
    public string PartNoun { get; init; } = "parts";

    /// <inheritdoc cref="PartNoun"/>
    public string PartSizeOption { get; init; } = "part-size";

    /// <summary>The object's address, for messages.</summary>
    public required string Target { get; init; }

    /// <summary>The provider's name, for messages.</summary>
    public required string Provider { get; init; }
}

/// <summary>What one upload did; it travels with the call (providers keep no "last upload" state).</summary>
internal sealed record PartUploadStatistics
{
    /// <summary>True when the object went up in parts; false for one request.</summary>
    public bool Multipart { get; init; }
    /// <summary>Parts sent (1 for one request).</summary>
    public int Parts { get; init; }
    /// <summary>Bytes per part (the last may be shorter); the object's length for a single request of known length.</summary>
    public long PartSize { get; init; }
    /// <summary>Bytes read from the source and sent.</summary>
    public long Length { get; init; }
    /// <summary>Part buffers allocated; memory held was at most this × <see cref="PartSize"/>.</summary>
    public int BuffersAllocated { get; init; }
    /// <summary>The most part buffers held at once; at most the concurrency.</summary>
    public int PeakBuffersInUse { get; init; }
    /// <summary>The most parts on their way at once.</summary>
    public int PeakPartsInFlight { get; init; }
}

/// <summary>
/// The one part-upload pipeline every cloud's multipart, block or chunk upload runs through: it reads the source into a
/// bounded set of pooled buffers (<see cref="PartBufferPool"/>, one per request slot: a part is filled only when a slot
/// is free), learning whether a full part is the last by reading one byte past it (carried into the next part); hashes
/// every byte in order (<see cref="UploadHasher"/>); sends parts in parallel (at most
/// <see cref="PartUploadOptions.Concurrency"/>), each retried alone through <see cref="PartUploadOptions.Retry"/>;
/// checks the length and the expected hashes before the commit; and on a failure or cancellation stops the other parts
/// at once and aborts what the sink began. Objects that fit in one part go up in one request.
/// </summary>
internal static class PartUploadPipeline
{
    /// <summary>Uploads <paramref name="content"/> (<paramref name="declaredLength"/> bytes when known) through <paramref name="sink"/>.</summary>
    public static Task<(TResult Result, PartUploadStatistics Stats)> UploadAsync<TPart, TResult>(Stream content, long? declaredLength, UploadHasher hasher,
        IPartUploadSink<TPart, TResult> sink, PartUploadOptions options, CancellationToken ct) =>
        new Run<TPart, TResult>(content, declaredLength, hasher, sink, options).UploadAsync(ct);

    private sealed class Run<TPart, TResult>(Stream content, long? declaredLength, UploadHasher hasher, IPartUploadSink<TPart, TResult> sink, PartUploadOptions options)
    {
        private int _inFlight;
        private int _peakInFlight;

        public async Task<(TResult, PartUploadStatistics)> UploadAsync(CancellationToken ct)
        {
            ct.ThrowIfCancellationRequested();
            if (declaredLength is { } small && small <= options.SingleUploadThreshold)
            {
                var buffer = GC.AllocateUninitializedArray<byte>((int)small);
                var n = await UploadSource.FillAsync(content, buffer, ct).ConfigureAwait(false);
                var more = n == buffer.Length && await UploadSource.HasMoreAsync(content, ct).ConfigureAwait(false);
                var result = await PutSingleAsync(buffer.AsMemory(0, n), more, ct).ConfigureAwait(false);
                return (result, new PartUploadStatistics { Parts = 1, PartSize = small, Length = n, BuffersAllocated = 1, PeakBuffersInUse = 1, PeakPartsInFlight = 1 });
            }
            using var pool = new PartBufferPool(options.PartSize, options.Concurrency);
            return await UploadPartsAsync(pool, ct).ConfigureAwait(false);
        }

        private async Task<TResult> PutSingleAsync(ReadOnlyMemory<byte> data, bool sourceHasMore, CancellationToken ct)
        {
            hasher.Append(data.Span);
            hasher.Verify(declaredLength, sourceHasMore, options.Target, options.Provider);
            ct.ThrowIfCancellationRequested();
            return await options.Retry.ExecuteAsync(sink.SingleOperation, t => new ValueTask<TResult>(sink.PutSingleAsync(data, hasher, t)), ct).ConfigureAwait(false);
        }

        private async Task<(TResult, PartUploadStatistics)> UploadPartsAsync(PartBufferPool pool, CancellationToken ct)
        {
            using var failFast = CancellationTokenSource.CreateLinkedTokenSource(ct);
            var token = failFast.Token;
            var parts = new List<Task<TPart>>();
            var begun = false;
            var completed = false;
            var number = 0;
            long total = 0;
            // A request slot is taken before a buffer is filled and given back with it, so the slots bound the buffers
            // too: at most `concurrency` parts exist at once, sending or being filled (no extra part is read ahead).
            using var slots = new SemaphoreSlim(options.Concurrency, options.Concurrency);
            // Whether a part is the last is learned by reading one byte past a full part (carried into the next part),
            // not by reading a whole part ahead.
            var probe = new byte[1];
            var carried = false;
            try
            {
                while (true)
                {
                    await slots.WaitAsync(token).ConfigureAwait(false);
                    byte[] current;
                    try
                    {
                        current = await pool.RentAsync(token).ConfigureAwait(false);
                    }
                    catch
                    {
                        slots.Release();
                        throw;
                    }
                    int currentCount;
                    var isLast = false;
                    var sourceHasMore = false;
                    var partStart = total;
                    try
                    {
                        var start = 0;
                        if (carried)
                        {
                            current[0] = probe[0];
                            start = 1;
                            carried = false;
                        }
                        currentCount = start + await UploadSource.FillAsync(content, current.AsMemory(start), token).ConfigureAwait(false);
                        total = partStart + currentCount;
                        if (currentCount < current.Length)
                            isLast = true; // the source ended inside this part
                        else if (declaredLength is not { } declared || total >= declared)
                        {
                            var more = await content.ReadAsync(probe, token).ConfigureAwait(false) > 0;
                            // With a length given, the part that reaches it is the last; a further byte means the source is
                            // longer than declared (refused below). Without one, the byte begins the next part.
                            isLast = declaredLength is not null || !more;
                            sourceHasMore = declaredLength is not null && more;
                            carried = declaredLength is null && more;
                        }
                    }
                    catch
                    {
                        pool.Return(current);
                        slots.Release();
                        throw;
                    }

                    if (isLast && number == 0 && declaredLength is null)
                    {
                        // A stream of unknown length that fits in one part: one request, as for small objects.
                        try
                        {
                            var single = await PutSingleAsync(current.AsMemory(0, currentCount), sourceHasMore, ct).ConfigureAwait(false);
                            return (single, new PartUploadStatistics
                            {
                                Parts = 1, PartSize = options.PartSize, Length = total, BuffersAllocated = pool.Allocated, PeakBuffersInUse = pool.PeakRented, PeakPartsInFlight = 1,
                            });
                        }
                        finally
                        {
                            pool.Return(current);
                            slots.Release();
                        }
                    }

                    try
                    {
                        if (++number > options.MaxParts)
                            throw new StorageException(StorageErrorKind.InvalidArgument,
                                $"'{options.Target}' needs more than {options.MaxParts:N0} {options.PartNoun} of {options.PartSize} bytes; give the length or set a larger {options.PartSizeOption}.",
                                options.Target, options.Provider);
                        hasher.Append(current.AsSpan(0, currentCount));
                        if (!begun)
                        {
                            await sink.BeginAsync(hasher, token).ConfigureAwait(false);
                            begun = true;
                        }
                        if (isLast) hasher.Verify(declaredLength, sourceHasMore, options.Target, options.Provider);
                    }
                    catch
                    {
                        pool.Return(current);
                        slots.Release();
                        throw;
                    }

                    parts.Add(SendAsync(new UploadPart(number, partStart, current.AsMemory(0, currentCount), isLast), current, pool, slots, failFast));
                    if (isLast) break;
                }

                var sent = await Task.WhenAll(parts).ConfigureAwait(false);
                token.ThrowIfCancellationRequested();
                var result = await sink.CompleteAsync(sent, hasher, token).ConfigureAwait(false);
                completed = true;
                return (result, new PartUploadStatistics
                {
                    Multipart = true, Parts = number, PartSize = options.PartSize, Length = total, BuffersAllocated = pool.Allocated,
                    PeakBuffersInUse = pool.PeakRented, PeakPartsInFlight = _peakInFlight,
                });
            }
            catch (Exception error)
            {
                failFast.Cancel();
                try { await Task.WhenAll(parts).ConfigureAwait(false); } catch { /* the first failure is reported below */ }
                if (begun && !completed) await sink.AbortAsync().ConfigureAwait(false);
                // A part that failed cancelled the rest: report its failure, not the cancellation it caused.
                if (error is OperationCanceledException && !ct.IsCancellationRequested
                    && parts.FirstOrDefault(p => p.IsFaulted)?.Exception?.InnerException is { } cause)
                    System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(cause);
                throw;
            }
        }

        // One part on its way: retried alone; its buffer and slot are given back when it is done, however it ends.
        private Task<TPart> SendAsync(UploadPart part, byte[] buffer, PartBufferPool pool, SemaphoreSlim slots, CancellationTokenSource failFast) => Task.Run(async () =>
        {
            UploadSource.InterlockedMax(ref _peakInFlight, Interlocked.Increment(ref _inFlight));
            try
            {
                return await options.Retry.ExecuteAsync(sink.PartOperation, t => new ValueTask<TPart>(sink.UploadPartAsync(part, t)), failFast.Token).ConfigureAwait(false);
            }
            catch
            {
                failFast.Cancel(); // stop reading and the other parts at once
                throw;
            }
            finally
            {
                Interlocked.Decrement(ref _inFlight);
                slots.Release();
                pool.Return(buffer);
            }
        }, CancellationToken.None);
    }
}
