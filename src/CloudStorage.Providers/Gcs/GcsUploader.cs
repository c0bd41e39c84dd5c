using System.Runtime.ExceptionServices;
using CloudStorage.Errors;
using CloudStorage.Model;
using CloudStorage.Providers.Common;
using CloudStorage.Providers.Resilience;
using Google.Apis.Upload;
using Google.Cloud.Storage.V1;
using Polly;
using GcsObject = Google.Apis.Storage.v1.Data.Object;

namespace CloudStorage.Providers.Gcs;

/// <summary>
/// Streams one object to GCS through the SDK's resumable upload (<see cref="StorageClient.CreateObjectUploader(GcsObject, Stream, UploadObjectOptions)"/>),
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
        var source = new CountingSource(content, hasher, write.Length, target, provider);
        var upload = client.CreateObjectUploader(GcsObjects.Resource(options.Bucket, key, write, contentType), source, new UploadObjectOptions
        {
            ChunkSize = (int)options.ChunkSize,
            UploadValidationMode = UploadValidationMode.None, // the hashes are checked here, against what was read
            UserProject = options.UserProject,
        });
        upload.LastRequestExecuting += request =>
        {
            // The SDK has read the whole source by now: check it before the chunk that commits the object leaves.
            source.CheckComplete();
            hasher.VerifyHashes(target, provider);
            request.Headers.Remove("X-Goog-Hash");
            request.Headers.TryAddWithoutValidation("X-Goog-Hash", XGoogHash(hasher.Finish()));
        };

        Uri? session = null;
        upload.UploadSessionData += data => session = data.UploadUri;
        var started = false;
        try
        {
            await StorageResilience.ExecuteAsync(requestPipeline, "Upload", async token =>
            {
                // The first attempt starts the session and sends; a later one asks the session where it stands and
                // sends the rest (or, when the session never opened, starts again: nothing was read yet).
                var progress = started && session is not null
                    ? await upload.ResumeAsync(token).ConfigureAwait(false)
                    : await upload.UploadAsync(token).ConfigureAwait(false);
                started = true;
                if (progress.Status == UploadStatus.Completed) return true;
                var error = progress.Exception ?? new StorageException(StorageErrorKind.Unknown, $"The upload of '{target}' ended as {progress.Status}.", target, provider);
                if (error is SourceReadException source) ExceptionDispatchInfo.Capture(source.InnerException!).Throw();
                if (GcsErrorMapper.Map(error, target, provider, token) is { } mapped) throw mapped;
                ExceptionDispatchInfo.Capture(error).Throw();
                return false;
            }, ct).ConfigureAwait(false);
        }
        catch
        {
            // Nothing is committed before the last chunk; cancelling the session frees it at once.
            if (session is { } opened) await CancelSessionAsync(opened).ConfigureAwait(false);
            throw;
        }
        var item = upload.ResponseBody ?? throw new StorageException(StorageErrorKind.Unknown,
            $"GCS finished the upload of '{target}' without describing the object.", target, provider);
        CheckStored(item, hasher, target);
        return item;
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
