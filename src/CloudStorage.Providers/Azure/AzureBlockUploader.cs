using CloudStorage.Providers.Common;
using System.Security.Cryptography;
using System.Text;
using CloudStorage.Errors;
using CloudStorage.Model;
using CloudStorage.Providers.Azure.Transport;
using CloudStorage.Providers.Resilience;

namespace CloudStorage.Providers.Azure;

/// <summary>What one upload did (for diagnostics and the memory-bound tests).</summary>
public sealed record AzureUploadStatistics
{
    /// <summary>True when the blob went up as blocks (Put Block + Put Block List).</summary>
    public bool Blocks { get; init; }
    /// <summary>Blocks staged (1 for a single Put Blob).</summary>
    public int BlockCount { get; init; }
    /// <summary>Bytes per block (the last may be shorter).</summary>
    public long BlockSize { get; init; }
    /// <summary>Block buffers allocated; memory held was at most this × <see cref="BlockSize"/>.</summary>
    public int BuffersAllocated { get; init; }
    /// <summary>The most blocks that were on their way at once.</summary>
    public int PeakBlocksInFlight { get; init; }
    /// <summary>The whole-blob MD5 stored as the blob's Content-MD5.</summary>
    public required ContentHash Md5 { get; init; }
}

/// <summary>Chooses block sizes that keep a blob within Azure's 50,000 blocks.</summary>
public static class BlockSizing
{
    private const long MiB = 1024 * 1024;

    /// <summary>The block size for a blob of <paramref name="length"/> bytes: at least <paramref name="minimum"/>, and large enough (in whole MiB) for 50,000 blocks.</summary>
    public static long ForLength(long length, long minimum)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        var size = Math.Max(minimum, AzureBlobProviderOptions.MinBlockSize);
        var needed = (length + AzureBlobProviderOptions.MaxBlocks - 1) / AzureBlobProviderOptions.MaxBlocks;
        if (needed > size) size = (needed + MiB - 1) / MiB * MiB;
        if (size > AzureBlobProviderOptions.MaxBlockSize)
            throw new StorageException(StorageErrorKind.InvalidArgument,
                $"{length} bytes exceed what one block blob holds with blocks of at most {AzureBlobProviderOptions.MaxBlockSize / MiB} MiB (50,000 blocks).");
        return size;
    }
}

/// <summary>
/// Streams one blob to Azure: a single Put Blob up to the single-upload threshold, else blocks read into a bounded set
/// of buffers and staged in parallel (Put Block, each with its Content-MD5), then committed in order with Put Block
/// List carrying the whole-blob MD5 (x-ms-blob-content-md5), so the blob's Content-MD5 is its content's MD5 however it
/// was uploaded. Every byte is hashed on the way; the length and expected hashes are checked before the commit, so a
/// failure leaves the previous blob (or its absence): staged blocks that are never committed are discarded by the service.
/// </summary>
internal sealed class AzureBlockUploader(AzureBlobStorageProvider owner)
{
    private AzureBlobProviderOptions Options => owner.Options;
    private AzureBlobRestClient Client => owner.Client;

    public async Task<AzureUploadStatistics> UploadAsync(string key, Stream content, WriteOptions options, CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested();
        var target = owner.AddressRoot + key;
        var headers = owner.WriteHeaders(options, target);
        using var hasher = new UploadHasher(options.ExpectedHashes);

        if (options.Length is { } small && small <= Options.SingleUploadThreshold)
        {
            var buffer = GC.AllocateUninitializedArray<byte>((int)small);
            var n = await UploadSource.FillAsync(content, buffer, ct).ConfigureAwait(false);
            var more = n == buffer.Length && await UploadSource.HasMoreAsync(content, ct).ConfigureAwait(false);
            return await PutSingleAsync(key, target, buffer, n, options, headers, hasher, more, ct).ConfigureAwait(false)
                with { BuffersAllocated = 1, BlockSize = small };
        }

        var blockSize = options.Length is { } length ? BlockSizing.ForLength(length, Options.BlockSize) : Options.BlockSize;
        using var pool = new PartBufferPool(blockSize, Options.Concurrency + 1);
        return await UploadBlocksAsync(key, target, content, options, headers, blockSize, pool, hasher, ct).ConfigureAwait(false);
    }

    private async Task<AzureUploadStatistics> PutSingleAsync(string key, string target, byte[] buffer, int count, WriteOptions options,
        AzureBlobWriteHeaders headers, UploadHasher hasher, bool sourceHasMore, CancellationToken ct)
    {
        hasher.Append(buffer.AsSpan(0, count));
        hasher.Verify(options.Length, sourceHasMore, target, owner.Name);
        ct.ThrowIfCancellationRequested();
        var md5 = hasher.Md5;
        // The body is in memory: Put Blob is sent again on transient failures (it replaces the blob whole, so a repeat is harmless).
        await owner.BlockPipeline.ExecuteAsync("PutBlob", t => new ValueTask<AzureBlobProperties>(
            AzureErrorMapper.RunAsync(() => Client.PutBlobAsync(Options.Container, key, buffer.AsMemory(0, count), md5.GetBytes(),
                headers with { ContentMd5 = md5.GetBytes() }, t), target, owner.Name, t)), ct).ConfigureAwait(false);
        return new AzureUploadStatistics { BlockCount = 1, PeakBlocksInFlight = 1, Md5 = md5 };
    }

    private async Task<AzureUploadStatistics> UploadBlocksAsync(string key, string target, Stream content, WriteOptions options,
        AzureBlobWriteHeaders headers, long blockSize, PartBufferPool pool, UploadHasher hasher, CancellationToken ct)
    {
        using var failFast = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var token = failFast.Token;
        var blocks = new List<Task>();
        var ids = new List<string>();
        // Fixed-length ids, unique to this upload: a concurrent writer of the same blob stages blocks of its own.
        var uploadId = Guid.NewGuid().ToString("N");
        var inFlight = 0;
        var peak = 0;

        var current = await pool.RentAsync(token).ConfigureAwait(false);
        var currentCount = await UploadSource.FillAsync(content, current, token).ConfigureAwait(false);
        long total = currentCount;
        try
        {
            while (true)
            {
                // Read one block ahead, so the last block is known before it is sent.
                byte[]? next = null;
                var nextCount = 0;
                var wantMore = currentCount == current.Length && (options.Length is not { } declared || total < declared);
                if (wantMore)
                {
                    next = await pool.RentAsync(token).ConfigureAwait(false);
                    nextCount = await UploadSource.FillAsync(content, next, token).ConfigureAwait(false);
                    total += nextCount;
                }
                var isLast = nextCount == 0;
                var sourceHasMore = isLast && options.Length is { } d && total >= d && currentCount == current.Length
                    && await UploadSource.HasMoreAsync(content, token).ConfigureAwait(false);

                if (isLast && ids.Count == 0 && options.Length is null)
                {
                    // A stream of unknown length that fits in one block: one request, as for small blobs.
                    if (next is not null) pool.Return(next);
                    var single = await PutSingleAsync(key, target, current, currentCount, options, headers, hasher, sourceHasMore, ct).ConfigureAwait(false);
                    pool.Return(current);
                    return single with { BlockSize = blockSize, BuffersAllocated = pool.Allocated };
                }

                if (ids.Count >= AzureBlobProviderOptions.MaxBlocks)
                    throw new StorageException(StorageErrorKind.InvalidArgument,
                        $"'{target}' needs more than 50,000 blocks of {blockSize} bytes; give the length or set a larger block-size.", target, owner.Name);
                hasher.Append(current.AsSpan(0, currentCount));
                var id = Convert.ToBase64String(Encoding.ASCII.GetBytes($"{uploadId}-{ids.Count:D6}"));
                ids.Add(id);

                var buffer = current;
                var count = currentCount;
                blocks.Add(Task.Run(async () =>
                {
                    var now = Interlocked.Increment(ref inFlight);
                    UploadSource.InterlockedMax(ref peak, now);
                    try
                    {
                        var md5 = MD5.HashData(buffer.AsSpan(0, count));
                        await owner.BlockPipeline.ExecuteAsync("PutBlock", async t =>
                        {
                            await AzureErrorMapper.RunAsync(() => Client.PutBlockAsync(Options.Container, key, id, buffer.AsMemory(0, count), md5, t),
                                target, owner.Name, t).ConfigureAwait(false);
                            return true;
                        }, token).ConfigureAwait(false);
                    }
                    catch
                    {
                        failFast.Cancel(); // stop reading and the other blocks at once
                        throw;
                    }
                    finally
                    {
                        Interlocked.Decrement(ref inFlight);
                        pool.Return(buffer);
                    }
                }, CancellationToken.None));

                if (isLast)
                {
                    if (next is not null) pool.Return(next);
                    hasher.Verify(options.Length, sourceHasMore, target, owner.Name);
                    break;
                }
                current = next!;
                currentCount = nextCount;
            }

            await Task.WhenAll(blocks).ConfigureAwait(false);
            token.ThrowIfCancellationRequested();
            var md5 = hasher.Md5;
            // The commit names blocks already staged: sending it again commits the same list, so it is retried too.
            await owner.BlockPipeline.ExecuteAsync("PutBlockList", t => new ValueTask<AzureBlobProperties>(
                AzureErrorMapper.RunAsync(() => Client.PutBlockListAsync(Options.Container, key, ids, headers with { ContentMd5 = md5.GetBytes() }, t),
                    target, owner.Name, t)), token).ConfigureAwait(false);
            return new AzureUploadStatistics
            {
                Blocks = true, BlockCount = ids.Count, BlockSize = blockSize, BuffersAllocated = pool.Allocated, PeakBlocksInFlight = peak, Md5 = md5,
            };
        }
        catch (Exception error)
        {
            failFast.Cancel();
            try { await Task.WhenAll(blocks).ConfigureAwait(false); } catch { /* the first failure is reported below */ }
            // A block that failed cancelled the rest: report its failure, not the cancellation it caused.
            if (error is OperationCanceledException && !ct.IsCancellationRequested
                && blocks.FirstOrDefault(p => p.IsFaulted)?.Exception?.InnerException is { } cause)
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(cause);
            throw;
        }
    }
}
