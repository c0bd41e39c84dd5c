using CloudStorage.Core.Addressing;
using CloudStorage.Core.Errors;
using CloudStorage.Core.Hashing;
using CloudStorage.Core.Model;
using CloudStorage.Core.Providers;

namespace CloudStorage.Core.Transfer;

/// <summary>
/// Moves objects between any two providers: server-side when the destination can reach the source, otherwise a
/// streaming copy hashed on the fly and verified end to end by the destination. Uploads and downloads are copies
/// from or to the local provider, so they share this one path.
/// </summary>
internal sealed class TransferEngine
{
    /// <summary>An engine with the given settings.</summary>
    public TransferEngine(TransferOptions? options = null) => Options = options ?? new TransferOptions();

    /// <summary>The settings.</summary>
    public TransferOptions Options { get; }

    /// <summary>The object at a location, or null (a prefix-only location is never an object).</summary>
    public Task<StorageItem?> StatAsync(StorageLocation location, CancellationToken ct = default) =>
        location.IsPrefixOnly ? Task.FromResult<StorageItem?>(null) : location.Provider.StatAsync(location.Key, ct);

    /// <summary>
    /// Copies the object at <paramref name="source"/> to <paramref name="destination"/>. NotFound when the source is
    /// missing; AlreadyExists when the destination exists and <see cref="CopyRequest.Overwrite"/> is false.
    /// </summary>
    public async Task<StorageItem> CopyAsync(StorageLocation source, StorageLocation destination, CopyRequest request,
        IProgress<TransferProgress>? progress = null, CancellationToken ct = default)
    {
        var item = await StatAsync(source, ct).ConfigureAwait(false)
            ?? throw StorageException.NotFound(source.Uri, source.Provider.Name);
        return await CopyStatedAsync(item, source, destination, request, progress, ct).ConfigureAwait(false);
    }

    /// <summary>
    /// Copies an object a listing reported (recursive copies list first). A listing may lack what a copy keeps (S3's has
    /// no content type, headers or metadata), so the source's own stat supplies them where the source stores any.
    /// </summary>
    public async Task<StorageItem> CopyItemAsync(StorageItem item, StorageLocation source, StorageLocation destination, CopyRequest request,
        IProgress<TransferProgress>? progress = null, CancellationToken ct = default)
    {
        // A listing that reports a content type carries the object's properties (memory, Azure, GCS); one without it
        // (S3's) is completed by one stat of the source.
        var caps = source.Provider.Capabilities;
        if (item.ContentType is null && (caps.UserMetadata || caps.ContentType || caps.ContentHeaders))
            item = await StatAsync(source, ct).ConfigureAwait(false) ?? throw StorageException.NotFound(source.Uri, source.Provider.Name);
        return await CopyStatedAsync(item, source, destination, request, progress, ct).ConfigureAwait(false);
    }

    /// <summary>
    /// What a copy of <paramref name="item"/> stores besides the bytes: its content type, the four content headers, the
    /// user's metadata (without the source's bookkeeping: stored times and hashes, which the destination writes anew),
    /// checked against the destination's metadata rules; its modification time (a stored one when it has one); its
    /// storage class when both sides are the same kind of store (class names differ between clouds).
    /// </summary>
    public static WriteOptions WriteOptionsFor(StorageItem item, StorageLocation source, StorageLocation destination, CopyRequest request)
    {
        var sameKind = ProviderAbilities.Unwrap(source).Provider.GetType() == ProviderAbilities.Unwrap(destination).Provider.GetType();
        var metadata = request.Metadata ?? StoredModifiedTime.UserOnly(item.Metadata);
        return new WriteOptions
        {
            Length = item.Size,
            ContentType = request.ContentType ?? item.ContentType,
            ContentEncoding = item.ContentEncoding,
            ContentDisposition = item.ContentDisposition,
            ContentLanguage = item.ContentLanguage,
            CacheControl = item.CacheControl,
            Metadata = MetadataRules.Apply(metadata, destination.Provider.Capabilities, request.InvalidMetadata, destination.Uri, destination.Provider.Name),
            ModifiedTime = request.PreserveModifiedTime ? StoredModifiedTime.Of(item) : null,
            StorageClass = request.StorageClass ?? (sameKind && destination.Provider.Capabilities.StorageClass ? item.StorageClass : null),
            Tags = request.Tags,
            ExpectedHashes = item.Hashes.Count > 0 ? item.Hashes : null,
        };
    }

    private async Task<StorageItem> CopyStatedAsync(StorageItem item, StorageLocation source, StorageLocation destination, CopyRequest request,
        IProgress<TransferProgress>? progress, CancellationToken ct)
    {
        if (destination.IsPrefixOnly)
            throw new StorageException(StorageErrorKind.InvalidKey, $"'{destination.Uri}' names a prefix, not an object.", destination.Uri, destination.Provider.Name);
        EnsureCapable(destination, request);
        var options = WriteOptionsFor(item, source, destination, request);
        await EnsureWritableAsync(destination, request.Overwrite, ct).ConfigureAwait(false);

        if (request.AllowServerSideCopy)
        {
            var (srcProvider, srcKey) = ProviderAbilities.Unwrap(source);
            // The destination's record is the whole truth: decorators expose exactly their inner abilities, for their keys.
            if (destination.Provider.Capabilities.Copier is { } copier && copier.CanCopyFrom(srcProvider))
            {
                progress?.Report(new TransferProgress(destination.Key, 0, item.Size));
                await copier.CopyFromAsync(srcProvider, srcKey, destination.Key, options with { ExpectedHashes = null }, ct).ConfigureAwait(false);
                progress?.Report(new TransferProgress(destination.Key, item.Size, item.Size));
                // Stat through the decorators so the item carries the destination's own address.
                return await destination.Provider.StatAsync(destination.Key, ct).ConfigureAwait(false)
                    ?? throw new StorageException(StorageErrorKind.Conflict, $"'{destination.Uri}' vanished right after it was copied.", destination.Uri);
            }
        }

        await using var read = await OpenForCopyAsync(source, item.Size, ct).ConfigureAwait(false);
        return await WriteStreamAsync(read, destination, options, progress, ct).ConfigureAwait(false);
    }

    /// <summary>
    /// The source's content: as parallel ranges for a large object on a network store, else one sequential read.
    /// </summary>
    private async Task<Stream> OpenForCopyAsync(StorageLocation source, long size, CancellationToken ct)
    {
        if (size >= Options.ParallelReadThreshold && Options.ReadParallelism > 1 && source.Provider.Capabilities.ParallelRangeReads)
            return new ParallelRangeStream(source.Provider, source.Key, size, Options.ReadChunkSize, Options.ReadParallelism, ct);
        return await source.Provider.OpenReadAsync(source.Key, null, ct).ConfigureAwait(false);
    }

    /// <summary>Stores a stream (of known or unknown length) at <paramref name="destination"/>.</summary>
    public async Task<StorageItem> UploadAsync(Stream content, long? length, StorageLocation destination, CopyRequest request,
        IProgress<TransferProgress>? progress = null, CancellationToken ct = default)
    {
        if (destination.IsPrefixOnly)
            throw new StorageException(StorageErrorKind.InvalidKey, $"'{destination.Uri}' names a prefix, not an object.", destination.Uri, destination.Provider.Name);
        EnsureCapable(destination, request);
        await EnsureWritableAsync(destination, request.Overwrite, ct).ConfigureAwait(false);
        var options = new WriteOptions
        {
            Length = length, ContentType = request.ContentType, StorageClass = request.StorageClass, Tags = request.Tags,
            Metadata = MetadataRules.Apply(request.Metadata, destination.Provider.Capabilities, request.InvalidMetadata, destination.Uri, destination.Provider.Name),
        };
        return await WriteStreamAsync(content, destination, options, progress, ct).ConfigureAwait(false);
    }

    /// <summary>Reads a whole object into memory, refusing objects over <paramref name="maxBytes"/> (LimitExceeded).</summary>
    public async Task<byte[]> ReadAllBytesAsync(StorageLocation source, long maxBytes, CancellationToken ct = default)
    {
        var item = await StatAsync(source, ct).ConfigureAwait(false)
            ?? throw StorageException.NotFound(source.Uri, source.Provider.Name);
        if (item.Size > maxBytes)
            throw new StorageException(StorageErrorKind.LimitExceeded,
                $"'{source.Uri}' has {item.Size} bytes, more than the {maxBytes} that may be read into memory; download it to a file instead.", source.Uri);
        // The bytes become a string or an array, where nobody checks them later: length and hash are checked here.
        // A body that came back wrong is read again (twice at most); a second wrong answer is the caller's error.
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await ReadCheckedAsync(source, item, ct).ConfigureAwait(false);
            }
            catch (StorageException e) when (e.Kind == StorageErrorKind.IntegrityFailure && e.IsTransient && attempt < 3)
            {
                RetryLog.Write($"Reading '{source.Uri}' again (attempt {attempt + 1} of 3): {e.Message}");
            }
        }
    }

    private async Task<byte[]> ReadCheckedAsync(StorageLocation source, StorageItem item, CancellationToken ct)
    {
        await using var read = await source.Provider.OpenReadAsync(source.Key, null, ct).ConfigureAwait(false);
        await using var hashing = new HashingStream(read, includeSha256: item.Hashes.Any(h => h.Algorithm == HashAlgorithmKind.SHA256), leaveOpen: true);
        var buffer = new MemoryStream((int)Math.Max(0, item.Size));
        var chunk = new byte[Options.BufferSize];
        // One byte more than the object holds is enough to tell a body that runs long.
        var limit = item.Size + 1;
        while (buffer.Length < limit)
        {
            var n = await hashing.ReadAsync(chunk.AsMemory(0, (int)Math.Min(chunk.Length, limit - buffer.Length)), ct).ConfigureAwait(false);
            if (n == 0) break;
            buffer.Write(chunk, 0, n);
        }
        if (buffer.Length != item.Size)
            throw new StorageException(StorageErrorKind.IntegrityFailure,
                buffer.Length > item.Size
                    ? $"'{source.Uri}' has {item.Size} bytes but its read returned more; nothing was returned."
                    : $"'{source.Uri}' has {item.Size} bytes but its read returned {buffer.Length}; nothing was returned.",
                source.Uri, source.Provider.Name, isTransient: true);
        var computed = hashing.GetHashes();
        foreach (var expected in item.Hashes)
        {
            var mine = computed.FirstOrDefault(h => h.Algorithm == expected.Algorithm);
            if (mine is not null && !mine.Equals(expected))
                throw new StorageException(StorageErrorKind.IntegrityFailure,
                    $"{expected.Algorithm} of the bytes read from '{source.Uri}' is {mine.Hex}, but the object's is {expected.Hex}; nothing was returned.",
                    source.Uri, source.Provider.Name, isTransient: true);
        }
        return buffer.ToArray();
    }

    /// <summary>Deletes the object at a location (idempotent at the provider).</summary>
    public Task DeleteAsync(StorageLocation location, CancellationToken ct = default)
    {
        if (location.IsPrefixOnly)
            throw new StorageException(StorageErrorKind.InvalidKey, $"'{location.Uri}' names a prefix, not an object.", location.Uri, location.Provider.Name);
        return location.Provider.DeleteAsync(location.Key, ct);
    }

    // Asked-for properties the destination cannot keep are refused up front rather than silently dropped.
    private static void EnsureCapable(StorageLocation destination, CopyRequest request)
    {
        var caps = destination.Provider.Capabilities;
        if (!string.IsNullOrWhiteSpace(request.StorageClass) && !caps.StorageClass)
            throw StorageException.Unsupported(destination.Provider.Name, "storage classes");
        if (request.Tags is { Count: > 0 } && !caps.Tags)
            throw StorageException.Unsupported(destination.Provider.Name, "object tags");
    }

    private async Task EnsureWritableAsync(StorageLocation destination, bool overwrite, CancellationToken ct)
    {
        if (overwrite) return;
        if (await destination.Provider.StatAsync(destination.Key, ct).ConfigureAwait(false) is not null)
            throw new StorageException(StorageErrorKind.AlreadyExists,
                $"'{destination.Uri}' already exists; use -Force to overwrite it.", destination.Uri, destination.Provider.Name);
    }

    private async Task<StorageItem> WriteStreamAsync(Stream content, StorageLocation destination, WriteOptions options,
        IProgress<TransferProgress>? progress, CancellationToken ct)
    {
        long lastReported = 0;
        var key = destination.Key;
        progress?.Report(new TransferProgress(key, 0, options.Length));
        // Read ahead so the source's I/O overlaps the destination's writes (two chunks: bounded memory), unless the source
        // prefetches itself.
        // Hash on the read-ahead's side, so that hashing overlaps the destination's writes too; the destination is
        // handed the read-ahead, an IHashedStream, and a writer that checks hashes reuses these (HashedStreams.For).
        await using var hashing = new HashingStream(content, onProgress: progress is null ? null : bytes =>
        {
            if (bytes - lastReported < Options.ProgressInterval) return;
            lastReported = bytes;
            progress.Report(new TransferProgress(key, bytes, options.Length));
        }, leaveOpen: true);
        // An object smaller than one chunk gains nothing from a prefetch (one read is all there is) and would pay a
        // task and a channel for it: in a sync of many small objects those hand-offs were a large share of the CPU.
        var small = options.Length is { } declared && declared < Options.BufferSize;
        // Parallel ranges are a read-ahead already (their ranges arrive while the consumer writes): a second one would
        // only add three 1 MiB buffers, a copy of every byte and a thread hop per chunk to a large download.
        var prefetched = content is ParallelRangeStream;
        await using var ahead = small || prefetched ? null : new ReadAheadStream(hashing, Options.BufferSize, depth: 2, ct, options.Length);
        var stored = await destination.Provider.WriteAsync(key, (Stream?)ahead ?? hashing, options, ct).ConfigureAwait(false);
        // Everything read from the source, final: the read-ahead stops its prefetch before it answers.
        var (sent, computed) = ahead is not null ? ahead.GetHashes() : ((IHashedStream)hashing).GetHashes();
        progress?.Report(new TransferProgress(key, sent, options.Length ?? sent));

        // End-to-end check: what the destination reports must equal what streamed through us.
        foreach (var reported in stored.Hashes)
        {
            var mine = computed.FirstOrDefault(h => h.Algorithm == reported.Algorithm);
            if (mine is not null && !mine.Equals(reported))
                throw new StorageException(StorageErrorKind.IntegrityFailure,
                    $"'{destination.Uri}' reports {reported.Algorithm} {reported.Hex} but {mine.Hex} was sent.", destination.Uri, destination.Provider.Name);
        }
        if (stored.Size != sent && !stored.IsPrefix)
            throw new StorageException(StorageErrorKind.IntegrityFailure,
                $"'{destination.Uri}' reports {stored.Size} bytes but {sent} were sent.", destination.Uri, destination.Provider.Name);
        return stored;
    }
}
