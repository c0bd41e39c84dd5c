using System.Text.Json.Nodes;
using CloudStorage.Errors;
using CloudStorage.Model;
using CloudStorage.Providers.Common;
using CloudStorage.Providers.Resilience;
using Polly;

namespace CloudStorage.Providers.Gcs;

/// <summary>What one upload did (diagnostics and tests).</summary>
public sealed record GcsUploadStatistics
{
    /// <summary>True for a single multipart request; false for a resumable session.</summary>
    public bool Resumable { get; init; }

    /// <summary>Chunks sent (resumable uploads).</summary>
    public int Chunks { get; init; }

    /// <summary>Offsets the upload resumed from after a failure, as the session reported them.</summary>
    public IReadOnlyList<long> ResumedFrom { get; init; } = [];

    /// <summary>Size of the one buffer the upload held.</summary>
    public long BufferBytes { get; init; }

    /// <summary>The hashes computed locally while sending.</summary>
    public IReadOnlyList<ContentHash> LocalHashes { get; init; } = [];
}

/// <summary>
/// Streams one object to GCS holding at most one buffer: objects up to the simple-upload threshold go in one
/// multipart request (with md5Hash and crc32c, so the service verifies them); larger objects and long streams of
/// unknown length go through a resumable session in chunks of a multiple of 256 KiB. A chunk that fails part-way is
/// resumed from the offset the session reports as persisted (<c>Content-Range: bytes */total</c>). Length and expected
/// hashes are checked before the last chunk commits the object, so a mismatch stores nothing.
/// </summary>
internal sealed class GcsUploader(GcsJsonApi api, GcsProviderOptions options, ResiliencePipeline requestPipeline, string provider)
{
    private readonly List<long> _resumedFrom = [];
    private int _chunks;

    public async Task<(GcsObject Item, GcsUploadStatistics Stats)> UploadAsync(string key, Stream content, WriteOptions write, CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested();
        var target = $"gs://{options.Bucket}/{key}";
        var declared = write.Length;
        var contentType = string.IsNullOrWhiteSpace(write.ContentType) ? GcsStorageProvider.DefaultContentType : write.ContentType!;
        using var hasher = new UploadHasher(write.ExpectedHashes, alwaysCrc32C: true);
        var capacity = (int)(declared is { } d ? Math.Min(d, options.ChunkSize) : options.ChunkSize);
        var buffer = GC.AllocateUninitializedArray<byte>(capacity);
        var filled = await UploadSource.FillAsync(content, buffer.AsMemory(), ct).ConfigureAwait(false);
        var (more, carry) = filled == capacity ? await PeekAsync(content, ct).ConfigureAwait(false) : (false, (byte)0);
        CheckLength(declared, 0, filled, more, target);

        if (!more && filled <= options.SimpleUploadThreshold)
        {
            hasher.Append(buffer.AsSpan(0, filled));
            hasher.VerifyHashes(target, provider);
            var resource = Resource(key, write, contentType);
            foreach (var h in hasher.Finish())
                if (h.Algorithm is HashAlgorithmKind.MD5 or HashAlgorithmKind.CRC32C)
                    resource[h.Algorithm == HashAlgorithmKind.MD5 ? "md5Hash" : "crc32c"] = h.Base64;
            var item = await StorageResilience.ExecuteAsync(requestPipeline, "Upload",
                async token => await api.InsertMultipartAsync(key, resource, buffer.AsMemory(0, filled), contentType, token).ConfigureAwait(false), ct).ConfigureAwait(false);
            CheckStored(item, hasher, target);
            return (item, new GcsUploadStatistics { BufferBytes = capacity, LocalHashes = hasher.Finish() });
        }

        var session = await StorageResilience.ExecuteAsync(requestPipeline, "StartUpload",
            async token => await api.StartResumableAsync(key, Resource(key, write, contentType), contentType, declared, token).ConfigureAwait(false), ct).ConfigureAwait(false);
        try
        {
            long offset = 0;
            while (true)
            {
                hasher.Append(buffer.AsSpan(0, filled));
                if (more)
                {
                    // A middle chunk: the whole buffer, a multiple of 256 KiB.
                    await SendChunkAsync(session, key, buffer.AsMemory(0, filled), offset, declared, null, ct).ConfigureAwait(false);
                    offset += filled;
                    buffer[0] = carry;
                    filled = 1 + await UploadSource.FillAsync(content, buffer.AsMemory(1), ct).ConfigureAwait(false);
                    (more, carry) = filled == capacity ? await PeekAsync(content, ct).ConfigureAwait(false) : (false, (byte)0);
                    CheckLength(declared, offset, filled, more, target);
                    continue;
                }
                var total = offset + filled;
                hasher.VerifyHashes(target, provider);
                var status = await SendChunkAsync(session, key, buffer.AsMemory(0, filled), offset, total, hasher.Finish(), ct).ConfigureAwait(false);
                var item = status.Completed ?? throw new StorageException(StorageErrorKind.Unknown,
                    $"GCS did not finalize '{target}' after its last chunk ({status.PersistedBytes} of {total} bytes persisted).", target, provider);
                CheckStored(item, hasher, target);
                return (item, new GcsUploadStatistics
                {
                    Resumable = true, Chunks = _chunks, ResumedFrom = _resumedFrom.ToArray(), BufferBytes = capacity, LocalHashes = hasher.Finish(),
                });
            }
        }
        catch
        {
            // Nothing is finalized before the last chunk; cancelling the session frees it at once.
            using var cleanup = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await api.CancelResumableAsync(session, cleanup.Token).ConfigureAwait(false);
            throw;
        }
    }

    // Sends one chunk; after a failure asks the session what it persisted and sends only the rest of the chunk.
    private async Task<GcsResumableStatus> SendChunkAsync(Uri session, string key, ReadOnlyMemory<byte> chunk, long offset, long? total,
        IReadOnlyList<ContentHash>? finalHashes, CancellationToken ct)
    {
        _chunks++;
        var end = offset + chunk.Length;
        var attempt = 0;
        return await StorageResilience.ExecuteAsync(requestPipeline, "UploadChunk", async token =>
        {
            var position = offset;
            if (attempt++ > 0)
            {
                var status = await api.QueryResumableAsync(session, key, total, token).ConfigureAwait(false);
                if (status.Completed is not null) return status;
                position = status.PersistedBytes;
                _resumedFrom.Add(position);
                if (position < offset || position > end)
                    throw new StorageException(StorageErrorKind.Unknown,
                        $"The resumable upload of '{key}' reports {position} bytes persisted, outside the chunk {offset}-{end}.", key, provider);
            }
            while (true)
            {
                var status = await api.PutChunkAsync(session, key, chunk[(int)(position - offset)..], position, total, finalHashes, token).ConfigureAwait(false);
                // The service may persist less than it was sent (it keeps whole 256 KiB blocks): send the rest.
                if (status.Completed is not null || status.PersistedBytes >= end) return status;
                if (status.PersistedBytes <= position)
                    throw new StorageException(StorageErrorKind.Transient,
                        $"The resumable upload of '{key}' persisted nothing of the bytes sent from offset {position}.", key, provider);
                position = status.PersistedBytes;
            }
        }, ct).ConfigureAwait(false);
    }

    private void CheckLength(long? declared, long offset, int filled, bool more, string target)
    {
        if (declared is not { } d) return;
        var seen = offset + filled;
        if (seen > d || more && seen >= d)
            throw new StorageException(StorageErrorKind.IntegrityFailure, $"Expected {d} bytes for '{target}' but the stream had more; nothing was stored.", target, provider);
        if (!more && seen < d)
            throw new StorageException(StorageErrorKind.IntegrityFailure, $"Expected {d} bytes for '{target}' but the stream had {seen}; nothing was stored.", target, provider);
    }

    // What GCS stored must be what was read here (GCS verified the hashes we sent; emulators may not).
    private void CheckStored(GcsObject item, UploadHasher hasher, string target)
    {
        foreach (var reported in item.Hashes())
        {
            var local = hasher.Finish().FirstOrDefault(h => h.Algorithm == reported.Algorithm);
            if (local is not null && !local.Equals(reported))
                throw new StorageException(StorageErrorKind.IntegrityFailure,
                    $"GCS stored '{target}' with {reported.Algorithm} {reported.Hex}, but {local.Hex} was sent.", target, provider);
        }
    }

    internal static JsonObject Resource(string key, WriteOptions write, string contentType)
    {
        var resource = new JsonObject { ["name"] = key, ["contentType"] = contentType };
        var m = new JsonObject();
        foreach (var (name, value) in write.Metadata ?? new Dictionary<string, string>())
            if (!name.Equals(GcsObject.MtimeKey, StringComparison.OrdinalIgnoreCase)) m[name] = value;
        if (write.ModifiedTime is { } mtime) m[GcsObject.MtimeKey] = mtime.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (m.Count > 0) resource["metadata"] = m;
        if (!string.IsNullOrEmpty(write.ContentEncoding)) resource["contentEncoding"] = write.ContentEncoding;
        if (!string.IsNullOrEmpty(write.ContentDisposition)) resource["contentDisposition"] = write.ContentDisposition;
        if (!string.IsNullOrEmpty(write.ContentLanguage)) resource["contentLanguage"] = write.ContentLanguage;
        if (!string.IsNullOrEmpty(write.CacheControl)) resource["cacheControl"] = write.CacheControl;
        if (!string.IsNullOrWhiteSpace(write.StorageClass)) resource["storageClass"] = write.StorageClass.Trim().ToUpperInvariant();
        return resource;
    }

    private static async Task<(bool More, byte Carry)> PeekAsync(Stream content, CancellationToken ct)
    {
        var one = new byte[1];
        return await content.ReadAsync(one, ct).ConfigureAwait(false) == 1 ? (true, one[0]) : (false, (byte)0);
    }
}
