using System.Runtime.ExceptionServices;
using CloudStorage.Core.Errors;
using CloudStorage.Core.Model;
using CloudStorage.Providers.Common;
using CloudStorage.Providers.Resilience;
using Google.Apis.Upload;
using Google.Cloud.Storage.V1;
using Polly;
using GcsObject = Google.Apis.Storage.v1.Data.Object;

namespace CloudStorage.Providers.Gcs;

/// <summary>
/// Sends one object to GCS: up to <see cref="GcsProviderOptions.SimpleUploadThreshold"/> in one multipart request,
/// larger ones and long streams through the SDK's resumable upload (<see cref="ResumableUpload"/> on a session opened by
/// <see cref="StorageClient.InitiateUploadSessionAsync(GcsObject, long?, UploadObjectOptions, CancellationToken)"/>),
/// in chunks of <see cref="GcsProviderOptions.ChunkSize"/> (the SDK holds one chunk in memory, so a source that cannot
/// be replayed is read once). The source is hashed (MD5 and CRC-32C) and counted as the SDK reads it; before the
/// last chunk — the one that commits the object — goes out, the length and any expected hashes are checked and the
/// hashes go with it as <c>X-Goog-Hash</c>, so a mismatch stores nothing. A chunk that fails is retried by the
/// provider's one retry layer: <see cref="ResumableUpload.ResumeAsync(CancellationToken)"/> asks the session how
/// many bytes it persisted and sends the rest from the SDK's buffer. After the upload, the md5Hash and crc32c GCS
/// reports are compared with the hashes computed here.
/// </summary>
internal sealed class GcsUploader(StorageClient client, GcsProviderOptions options, ResiliencePipeline requestPipeline, string provider)
{
    public async Task<GcsObject> UploadAsync(string key, Stream content, WriteOptions write, CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested();
        var target = $"gs://{options.Bucket}/{key}";
        var contentType = string.IsNullOrWhiteSpace(write.ContentType) ? GcsObjects.DefaultContentType : write.ContentType!;
        using var hasher = new UploadHasher(write.ExpectedHashes, alwaysCrc32C: true);
        // Up to simple-upload-threshold the object is read into memory first: when it ends there, it goes up in one
        // request. Otherwise what was read is sent first, then the rest of the stream, through the resumable upload.
        var (head, ended) = await ReadHeadAsync(content, write.Length, ct).ConfigureAwait(false);
        if (ended)
        {
            if (write.Length is { } d && head.Length != d)
                throw new StorageException(StorageErrorKind.IntegrityFailure, $"Expected {d} bytes for '{target}' but the stream had {head.Length}; nothing was stored.", target, provider);
            hasher.Append(head);
            hasher.VerifyHashes(target, provider);
            var single = await UploadSingleAsync(key, head, GcsObjects.Resource(options.Bucket, key, write, contentType), hasher, target, ct).ConfigureAwait(false);
            CheckStored(single, hasher, target);
            return single;
        }
        if (write.Length is { } declared && head.Length > declared)
            throw new StorageException(StorageErrorKind.IntegrityFailure, $"Expected {declared} bytes for '{target}' but the stream had more; nothing was stored.", target, provider);
        var source = new CountingSource(head.Length == 0 ? content : new PrefixedStream(head, content), hasher, write.Length, target, provider);
        // The session is opened by StorageClient (objects.insert, uploadType=resumable, with the resource and the
        // declared length), so its URI is ours: the upload resumes on it and is cancelled through it.
        var session = await StorageResilience.ExecuteAsync(requestPipeline, "StartUpload", async token =>
        {
            try
            {
                GcsCallState.Begin();
                return await client.InitiateUploadSessionAsync(GcsObjects.Resource(options.Bucket, key, write, contentType), write.Length is > 0 ? write.Length : null,
                    new UploadObjectOptions { UserProject = options.UserProject }, token).ConfigureAwait(false);
            }
            catch (Exception e) when (GcsErrorMapper.Map(e, target, provider, token) is { } mapped)
            {
                throw mapped;
            }
        }, ct).ConfigureAwait(false);
        // The SDK holds a buffer of one chunk (and one byte): a declared length smaller than a chunk needs no more.
        const long granule = GcsProviderOptions.ChunkGranularity;
        var chunk = write.Length is { } length ? Math.Min(options.ChunkSize, Math.Max(granule, (length + granule - 1) / granule * granule)) : options.ChunkSize;
        var upload = new SessionUpload(session, source, client.Service) { ChunkSize = (int)chunk };
        upload.LastRequestExecuting += request =>
        {
            // The SDK has read the whole source by now: check it before the chunk that commits the object leaves.
            source.CheckComplete();
            hasher.VerifyHashes(target, provider);
            request.Headers.Remove("X-Goog-Hash");
            request.Headers.TryAddWithoutValidation("X-Goog-Hash", XGoogHash(hasher.Finish()));
        };

        var started = false;
        try
        {
            await StorageResilience.ExecuteAsync(requestPipeline, "Upload", async token =>
            {
                // The first attempt sends from the start; a later one asks the session how many bytes it persisted
                // and sends the rest from the SDK's buffer.
                var progress = started ? await upload.ResumeAsync(token).ConfigureAwait(false) : await upload.UploadAsync(token).ConfigureAwait(false);
                started = true;
                if (progress.Status == UploadStatus.Completed) return true;
                var error = progress.Exception ?? new StorageException(StorageErrorKind.Unknown, $"The upload of '{target}' ended as {progress.Status}.", target, provider);
                if (error is SourceReadException sourceError) ExceptionDispatchInfo.Capture(sourceError.InnerException!).Throw();
                if (GcsErrorMapper.Map(error, target, provider, token) is { } mapped) throw mapped;
                ExceptionDispatchInfo.Capture(error).Throw();
                return false;
            }, ct).ConfigureAwait(false);
        }
        catch
        {
            // Nothing is committed before the last chunk; cancelling the session frees it at once.
            await CancelSessionAsync(session).ConfigureAwait(false);
            throw;
        }
        var item = upload.ResponseBody ?? throw new StorageException(StorageErrorKind.Unknown,
            $"GCS finished the upload of '{target}' without describing the object.", target, provider);
        CheckStored(item, hasher, target);
        return item;
    }

    // Reads up to simple-upload-threshold bytes (and one more, to learn whether the stream ends there).
    private async Task<(byte[] Head, bool Ended)> ReadHeadAsync(Stream content, long? declared, CancellationToken ct)
    {
        var threshold = options.SimpleUploadThreshold;
        if (threshold <= 0 || declared > threshold) return ([], false);
        var buffer = GC.AllocateUninitializedArray<byte>((int)Math.Min(threshold, declared ?? 64 * 1024) + 1);
        var filled = 0;
        while (true)
        {
            // A failure of the source here leaves as it is: nothing was sent yet.
            var n = await content.ReadAsync(buffer.AsMemory(filled), ct).ConfigureAwait(false);
            if (n == 0) return (buffer[..filled], true);
            filled += n;
            if (filled > threshold) return (buffer[..filled], false);
            if (filled == buffer.Length) Array.Resize(ref buffer, (int)Math.Min(threshold + 1, buffer.Length * 2L));
        }
    }

    /// <summary>
    /// objects.insert with uploadType=multipart: the resource (with md5Hash and crc32c, which GCS verifies) and the
    /// bytes in one request, through the SDK's HTTP client, serializer and error parsing. The SDK itself only uploads
    /// resumably (a request to open a session, then one per chunk); for small objects that second round trip doubled
    /// the time of a sync of many small files, so this one request stays written here.
    /// </summary>
    private Task<GcsObject> UploadSingleAsync(string key, byte[] data, GcsObject resource, UploadHasher hasher, string target, CancellationToken ct)
    {
        foreach (var h in hasher.Finish())
        {
            if (h.Algorithm == HashAlgorithmKind.MD5) resource.Md5Hash = h.Base64;
            if (h.Algorithm == HashAlgorithmKind.CRC32C) resource.Crc32c = h.Base64;
        }
        var service = client.Service;
        var url = new Uri(new Uri(service.BaseUri), "/upload/storage/v1/b/" + Uri.EscapeDataString(options.Bucket) + "/o?uploadType=multipart"
            + (options.UserProject is { } project ? "&userProject=" + Uri.EscapeDataString(project) : ""));
        var json = service.SerializeObject(resource);
        return StorageResilience.ExecuteAsync(requestPipeline, "Upload", async token =>
        {
            try
            {
                GcsCallState.Begin();
                using var body = new MultipartContent("related", "cloudstorage-" + Guid.NewGuid().ToString("N"));
                body.Add(new StringContent(json, System.Text.Encoding.UTF8, "application/json"));
                var media = new ByteArrayContent(data);
                media.Headers.ContentType = System.Net.Http.Headers.MediaTypeHeaderValue.Parse(resource.ContentType ?? GcsObjects.DefaultContentType);
                body.Add(media);
                using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = body };
                using var response = await service.HttpClient.SendAsync(request, token).ConfigureAwait(false);
                if (!response.IsSuccessStatusCode)
                {
                    var error = await service.DeserializeError(response).ConfigureAwait(false);
                    throw new Google.GoogleApiException(service.Name, error?.Message ?? response.ReasonPhrase ?? "") { HttpStatusCode = response.StatusCode, Error = error };
                }
                return await service.DeserializeResponse<GcsObject>(response).ConfigureAwait(false);
            }
            catch (Exception e) when (GcsErrorMapper.Map(e, target, provider, token) is { } mapped)
            {
                throw mapped;
            }
        }, ct).AsTask();
    }

    private async Task CancelSessionAsync(Uri session)
    {
        try
        {
            using var cleanup = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            using var request = new HttpRequestMessage(HttpMethod.Delete, session);
            using var response = await client.Service.HttpClient.SendAsync(request, cleanup.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is HttpRequestException or IOException or OperationCanceledException)
        {
            // Best effort: an abandoned session stores nothing and expires after a week.
        }
    }

    private static string XGoogHash(IReadOnlyList<ContentHash> hashes) => string.Join(',', hashes
        .Where(h => h.Algorithm is HashAlgorithmKind.MD5 or HashAlgorithmKind.CRC32C)
        .Select(h => (h.Algorithm == HashAlgorithmKind.MD5 ? "md5=" : "crc32c=") + h.Base64));

    // What GCS stored must be what was read here (GCS verified the hashes we sent; emulators may not).
    private void CheckStored(GcsObject item, UploadHasher hasher, string target)
    {
        foreach (var reported in GcsObjects.Hashes(item))
        {
            var local = hasher.Finish().FirstOrDefault(h => h.Algorithm == reported.Algorithm);
            if (local is not null && !local.Equals(reported))
                throw new StorageException(StorageErrorKind.IntegrityFailure,
                    $"GCS stored '{target}' with {reported.Algorithm} {reported.Hex}, but {local.Hex} was sent.", target, provider);
        }
    }

    /// <summary>
    /// The SDK's resumable upload on a session StorageClient opened: the SDK sends the chunks, keeps the unsent bytes of
    /// a chunk in its buffer, asks the session where it stands on resume, and hands over the final answer — the object
    /// resource — read here with the service's serializer.
    /// </summary>
    private sealed class SessionUpload(Uri session, Stream source, Google.Apis.Services.IClientService service)
        : ResumableUpload(source, new ResumableUploadOptions { HttpClient = service.HttpClient, Serializer = service.Serializer, ServiceName = service.Name })
    {
        public GcsObject? ResponseBody { get; private set; }

        public override Task<Uri> InitiateSessionAsync(CancellationToken cancellationToken = default) => Task.FromResult(session);

        protected override void ProcessResponse(HttpResponseMessage response)
        {
            var json = response.Content.ReadAsStringAsync().GetAwaiter().GetResult();
            ResponseBody = service.Serializer.Deserialize<GcsObject>(json);
        }
    }

    /// <summary>What was read ahead, then the rest of the source.</summary>
    private sealed class PrefixedStream(byte[] head, Stream rest) : ReadOnlyStream
    {
        private int _position;

        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (_position >= head.Length) return rest.ReadAsync(buffer, cancellationToken);
            var n = Math.Min(buffer.Length, head.Length - _position);
            head.AsSpan(_position, n).CopyTo(buffer.Span);
            _position += n;
            return ValueTask.FromResult(n);
        }
    }

    /// <summary>A failure of the upload's source itself (a local disk error): reported as it is, never retried.</summary>
    private sealed class SourceReadException(Exception inner) : Exception(inner.Message, inner);

    /// <summary>
    /// The source as the SDK reads it: hashed and counted on the way; more bytes than declared is an IntegrityFailure
    /// at once, fewer is one at the end (before the last chunk leaves).
    /// </summary>
    private sealed class CountingSource(Stream inner, UploadHasher hasher, long? declared, string target, string provider) : ReadOnlyStream
    {
        private long _read;
        private bool _ended;

        public override long Length => throw new NotSupportedException();
        public override long Position { get => _read; set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            int n;
            try
            {
                n = await inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                throw new SourceReadException(e);
            }
            if (n == 0 && buffer.Length > 0) _ended = true;
            hasher.Append(buffer.Span[..n]);
            _read += n;
            if (declared is { } d && _read > d)
                throw new StorageException(StorageErrorKind.IntegrityFailure, $"Expected {d} bytes for '{target}' but the stream had more; nothing was stored.", target, provider);
            return n;
        }

        /// <summary>Throws IntegrityFailure when the source ended short of its declared length.</summary>
        public void CheckComplete()
        {
            if (declared is { } d && (_read != d || !_ended))
                throw new StorageException(StorageErrorKind.IntegrityFailure,
                    $"Expected {d} bytes for '{target}' but the stream had {(_read > d || !_ended ? "more" : _read.ToString(System.Globalization.CultureInfo.InvariantCulture))}; nothing was stored.", target, provider);
        }
    }
}
