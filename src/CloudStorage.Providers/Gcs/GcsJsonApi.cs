using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using CloudStorage.Errors;
using CloudStorage.Model;
using CloudStorage.Providers.Common;

namespace CloudStorage.Providers.Gcs;

/// <summary>
/// The GCS JSON API over HttpClient: URL building, authorization, the requests the provider needs and their JSON
/// answers. It knows nothing of the engine's contract, so the official client library could take its place.
/// Every failure leaves as a <see cref="StorageException"/>.
/// </summary>
internal sealed class GcsJsonApi : IDisposable
{
    private readonly GcsProviderOptions _options;
    private readonly GcsCredentials _credentials;
    private readonly HttpClient _http;
    private readonly string _provider;
    private readonly string _base;

    public GcsJsonApi(GcsProviderOptions options, GcsCredentials credentials, string providerName)
    {
        _options = options;
        _credentials = credentials;
        _provider = providerName;
        _base = options.ServiceUri.ToString().TrimEnd('/');
        // Connect and idle-read timeouts bound silence (an injected handler keeps the read timeout, and is not disposed here).
        var handler = options.Timeouts.CreateHandler(options.HttpHandler is { } injected ? new NonDisposingHandler(injected) : null);
        _http = new HttpClient(handler, disposeHandler: true) { Timeout = options.RequestTimeout };
    }

    public string Bucket => _options.Bucket;

    private string Address(string key) => $"gs://{_options.Bucket}/{key}";

    // ------------------------------------------------------------------ URLs

    private string BucketPath(string bucket) => $"{_base}/storage/v1/b/{Uri.EscapeDataString(bucket)}";

    private string ObjectPath(string bucket, string key) => $"{BucketPath(bucket)}/o/{Uri.EscapeDataString(key)}";

    private string WithQuery(string url, params (string Name, string? Value)[] query)
    {
        var parts = query.Where(q => q.Value is not null).Select(q => $"{q.Name}={Uri.EscapeDataString(q.Value!)}").ToList();
        if (_options.UserProject is { } project) parts.Add("userProject=" + Uri.EscapeDataString(project));
        return parts.Count == 0 ? url : url + (url.Contains('?') ? "&" : "?") + string.Join('&', parts);
    }

    // ------------------------------------------------------------------ sending

    /// <summary>Sends a request made by <paramref name="make"/>; returns the response when its status is a success or one of <paramref name="accepted"/>.</summary>
    private async Task<HttpResponseMessage> SendAsync(Func<HttpRequestMessage> make, string target, CancellationToken ct,
        HttpCompletionOption completion = HttpCompletionOption.ResponseContentRead, params HttpStatusCode[] accepted)
    {
        using var request = make();
        if (await _credentials.GetAccessTokenAsync(ct).ConfigureAwait(false) is { } token)
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        request.Headers.UserAgent.ParseAdd("CloudStorage-PowerShell/0.1");
        HttpResponseMessage response;
        try
        {
            response = await _http.SendAsync(request, completion, ct).ConfigureAwait(false);
        }
        catch (Exception e) when (GcsErrorMapper.MapTransport(e, target, _provider, ct) is { } mapped)
        {
            throw mapped;
        }
        if (response.IsSuccessStatusCode || accepted.Contains(response.StatusCode)) return response;
        using (response)
            throw await GcsErrorMapper.FromResponseAsync(response, target, _provider, ct).ConfigureAwait(false);
    }

    private static async Task<JsonElement> ReadJsonAsync(HttpResponseMessage response, CancellationToken ct)
    {
        var bytes = await response.Content.ReadAsByteArrayAsync(ct).ConfigureAwait(false);
        try
        {
            using var doc = JsonDocument.Parse(bytes.Length == 0 ? "{}"u8.ToArray() : bytes);
            return doc.RootElement.Clone();
        }
        catch (JsonException e)
        {
            // A body cut short or garbled on the way (a proxy, a dropped connection): a retry may get it whole.
            var where = response.RequestMessage?.RequestUri is { } uri ? uri.GetLeftPart(UriPartial.Path) : "GCS";
            throw new StorageException(StorageErrorKind.Transient,
                $"The answer from {where} was not readable JSON ({bytes.Length} bytes, HTTP {(int)response.StatusCode}): {e.Message.Split('\n', 2)[0]}",
                where, null, e);
        }
    }

    // ------------------------------------------------------------------ objects

    /// <summary>objects.get (metadata), or null when the object does not exist.</summary>
    public async Task<GcsObject?> GetObjectAsync(string key, CancellationToken ct)
    {
        var target = Address(key);
        try
        {
            using var response = await SendAsync(() => new HttpRequestMessage(HttpMethod.Get, WithQuery(ObjectPath(Bucket, key))), target, ct).ConfigureAwait(false);
            return GcsObject.Parse(await ReadJsonAsync(response, ct).ConfigureAwait(false));
        }
        catch (StorageException e) when (e.Kind == StorageErrorKind.NotFound && !e.Message.StartsWith("The bucket", StringComparison.Ordinal))
        {
            return null;
        }
    }

    /// <summary>objects.list: one page.</summary>
    public async Task<GcsListPage> ListAsync(string prefix, string? delimiter, int maxResults, string? pageToken, CancellationToken ct)
    {
        var url = WithQuery($"{BucketPath(Bucket)}/o",
            ("prefix", prefix.Length > 0 ? prefix : null),
            ("delimiter", string.IsNullOrEmpty(delimiter) ? null : delimiter),
            ("maxResults", maxResults.ToString(CultureInfo.InvariantCulture)),
            ("pageToken", pageToken));
        using var response = await SendAsync(() => new HttpRequestMessage(HttpMethod.Get, url), $"gs://{Bucket}/{prefix}", ct).ConfigureAwait(false);
        var json = await ReadJsonAsync(response, ct).ConfigureAwait(false);
        var items = json.TryGetProperty("items", out var i) && i.ValueKind == JsonValueKind.Array
            ? i.EnumerateArray().Select(GcsObject.Parse).ToList() : [];
        var prefixes = json.TryGetProperty("prefixes", out var p) && p.ValueKind == JsonValueKind.Array
            ? p.EnumerateArray().Where(x => x.ValueKind == JsonValueKind.String).Select(x => x.GetString()!).ToList() : [];
        var next = json.TryGetProperty("nextPageToken", out var t) && t.ValueKind == JsonValueKind.String && t.GetString() is { Length: > 0 } token ? token : null;
        return new GcsListPage(items, prefixes, next);
    }

    /// <summary>objects.get with alt=media; the caller owns the response (200, 206 or 416).</summary>
    public Task<HttpResponseMessage> DownloadAsync(string key, ByteRange? range, long? generation, CancellationToken ct) =>
        SendAsync(() =>
        {
            var request = new HttpRequestMessage(HttpMethod.Get, WithQuery(ObjectPath(Bucket, key), ("alt", "media"),
                ("generation", generation?.ToString(CultureInfo.InvariantCulture))));
            if (range is { } r) request.Headers.TryAddWithoutValidation("Range", r.ToHttpRange());
            // Bytes as stored: a gzip-encoded object must not be decompressed on the way (its hashes are of the stored bytes).
            request.Headers.AcceptEncoding.ParseAdd("gzip");
            return request;
        }, Address(key), ct, HttpCompletionOption.ResponseHeadersRead, HttpStatusCode.RequestedRangeNotSatisfiable);

    /// <summary>objects.delete; false when the object did not exist.</summary>
    public async Task<bool> DeleteAsync(string key, CancellationToken ct)
    {
        using var response = await SendAsync(() => new HttpRequestMessage(HttpMethod.Delete, WithQuery(ObjectPath(Bucket, key))),
            Address(key), ct, HttpCompletionOption.ResponseContentRead, HttpStatusCode.NotFound).ConfigureAwait(false);
        return response.StatusCode != HttpStatusCode.NotFound;
    }

    /// <summary>objects.insert with uploadType=multipart: metadata and content in one request.</summary>
    public async Task<GcsObject> InsertMultipartAsync(string key, JsonObject resource, ReadOnlyMemory<byte> content, string contentType, CancellationToken ct)
    {
        var url = WithQuery($"{_base}/upload/storage/v1/b/{Uri.EscapeDataString(Bucket)}/o", ("uploadType", "multipart"));
        var json = resource.ToJsonString();
        using var response = await SendAsync(() =>
        {
            var body = new MultipartContent("related", "cloudstorage-" + Guid.NewGuid().ToString("N"));
            body.Add(new StringContent(json, Encoding.UTF8, "application/json"));
            var media = new ReadOnlyMemoryContent(content);
            media.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
            body.Add(media);
            return new HttpRequestMessage(HttpMethod.Post, url) { Content = body };
        }, Address(key), ct).ConfigureAwait(false);
        return GcsObject.Parse(await ReadJsonAsync(response, ct).ConfigureAwait(false));
    }

    /// <summary>Opens a resumable upload session; returns its URI.</summary>
    public async Task<Uri> StartResumableAsync(string key, JsonObject resource, string contentType, long? length, CancellationToken ct)
    {
        var url = WithQuery($"{_base}/upload/storage/v1/b/{Uri.EscapeDataString(Bucket)}/o", ("uploadType", "resumable"), ("name", key));
        var json = resource.ToJsonString();
        using var response = await SendAsync(() =>
        {
            var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new StringContent(json, Encoding.UTF8, "application/json") };
            request.Headers.TryAddWithoutValidation("X-Upload-Content-Type", contentType);
            if (length is { } l) request.Headers.TryAddWithoutValidation("X-Upload-Content-Length", l.ToString(CultureInfo.InvariantCulture));
            return request;
        }, Address(key), ct).ConfigureAwait(false);
        return response.Headers.Location is { } location
            ? location.IsAbsoluteUri ? location : new Uri(new Uri(_base + "/"), location)
            : throw new StorageException(StorageErrorKind.Unknown, $"GCS opened no resumable upload session for '{Address(key)}' (no Location).", Address(key), _provider);
    }

    /// <summary>
    /// Sends bytes [offset, offset + data.Length) of a resumable upload. <paramref name="total"/> is the object's size
    /// when known (always for the last chunk, which finalizes the object); <paramref name="finalHashes"/> goes with the
    /// last chunk as X-Goog-Hash, so GCS refuses to finalize different bytes.
    /// </summary>
    public async Task<GcsResumableStatus> PutChunkAsync(Uri session, string key, ReadOnlyMemory<byte> data, long offset, long? total,
        IReadOnlyList<ContentHash>? finalHashes, CancellationToken ct)
    {
        var range = data.Length == 0
            ? $"bytes */{Total(total)}"
            : $"bytes {offset}-{offset + data.Length - 1}/{Total(total)}";
        using var response = await SendAsync(() =>
        {
            var content = new ReadOnlyMemoryContent(data);
            content.Headers.TryAddWithoutValidation("Content-Range", range);
            var request = new HttpRequestMessage(HttpMethod.Put, session) { Content = content };
            if (finalHashes is { Count: > 0 }) request.Headers.TryAddWithoutValidation("X-Goog-Hash", XGoogHash(finalHashes));
            return request;
        }, Address(key), ct, HttpCompletionOption.ResponseContentRead, (HttpStatusCode)308).ConfigureAwait(false);
        return await StatusAsync(response, ct).ConfigureAwait(false);
    }

    /// <summary>Asks a resumable session how many bytes it has persisted (<c>Content-Range: bytes */total</c>).</summary>
    public async Task<GcsResumableStatus> QueryResumableAsync(Uri session, string key, long? total, CancellationToken ct)
    {
        using var response = await SendAsync(() =>
        {
            var content = new ByteArrayContent([]);
            content.Headers.TryAddWithoutValidation("Content-Range", $"bytes */{Total(total)}");
            return new HttpRequestMessage(HttpMethod.Put, session) { Content = content };
        }, Address(key), ct, HttpCompletionOption.ResponseContentRead, (HttpStatusCode)308).ConfigureAwait(false);
        return await StatusAsync(response, ct).ConfigureAwait(false);
    }

    /// <summary>Cancels a resumable session (best effort: GCS answers 499; sessions also expire after a week).</summary>
    public async Task CancelResumableAsync(Uri session, CancellationToken ct)
    {
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Delete, session);
            using var response = await _http.SendAsync(request, ct).ConfigureAwait(false);
        }
        catch (Exception e) when (e is HttpRequestException or IOException or OperationCanceledException)
        {
            // Nothing was finalized; an abandoned session stores nothing.
        }
    }

    private static string Total(long? total) => total is { } t ? t.ToString(CultureInfo.InvariantCulture) : "*";

    private static string XGoogHash(IReadOnlyList<ContentHash> hashes) => string.Join(',', hashes
        .Where(h => h.Algorithm is HashAlgorithmKind.MD5 or HashAlgorithmKind.CRC32C)
        .Select(h => (h.Algorithm == HashAlgorithmKind.MD5 ? "md5=" : "crc32c=") + h.Base64));

    private static async Task<GcsResumableStatus> StatusAsync(HttpResponseMessage response, CancellationToken ct)
    {
        if ((int)response.StatusCode != 308)
            return new GcsResumableStatus(GcsObject.Parse(await ReadJsonAsync(response, ct).ConfigureAwait(false)), 0);
        // "Range: bytes=0-N" means N+1 bytes persisted; no Range header means none.
        var persisted = 0L;
        if (response.Headers.TryGetValues("Range", out var values) && values.FirstOrDefault() is { } range)
        {
            var dash = range.LastIndexOf('-');
            if (dash > 0 && long.TryParse(range[(dash + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var last)) persisted = last + 1;
        }
        return new GcsResumableStatus(null, persisted);
    }

    /// <summary>objects.rewrite: one call; loop while <see cref="GcsRewriteResult.Done"/> is false, passing the token back.</summary>
    public async Task<GcsRewriteResult> RewriteAsync(string sourceBucket, string sourceKey, string destinationKey, JsonObject? resource,
        string? rewriteToken, CancellationToken ct)
    {
        var url = WithQuery($"{ObjectPath(sourceBucket, sourceKey)}/rewriteTo/b/{Uri.EscapeDataString(Bucket)}/o/{Uri.EscapeDataString(destinationKey)}",
            ("rewriteToken", rewriteToken),
            ("maxBytesRewrittenPerCall", _options.MaxBytesRewrittenPerCall?.ToString(CultureInfo.InvariantCulture)));
        var json = resource?.ToJsonString();
        using var response = await SendAsync(() => new HttpRequestMessage(HttpMethod.Post, url)
        {
            Content = json is null ? new ByteArrayContent([]) : new StringContent(json, Encoding.UTF8, "application/json"),
        }, $"gs://{sourceBucket}/{sourceKey}", ct).ConfigureAwait(false);
        var body = await ReadJsonAsync(response, ct).ConfigureAwait(false);
        static long Number(JsonElement e, string name) =>
            e.TryGetProperty(name, out var v) && (v.ValueKind == JsonValueKind.Number ? v.TryGetInt64(out var n) : long.TryParse(v.GetString(), out n)) ? n : 0;
        var done = body.TryGetProperty("done", out var d) && d.ValueKind == JsonValueKind.True;
        var token = body.TryGetProperty("rewriteToken", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString() : null;
        var item = body.TryGetProperty("resource", out var r) && r.ValueKind == JsonValueKind.Object ? GcsObject.Parse(r) : null;
        return new GcsRewriteResult(done, token, Number(body, "totalBytesRewritten"), Number(body, "objectSize"), item);
    }

    public void Dispose() => _http.Dispose();
}

/// <summary>Passes requests to a handler the caller owns, without disposing it.</summary>
internal sealed class NonDisposingHandler(HttpMessageHandler inner) : DelegatingHandler(inner)
{
    protected override void Dispose(bool disposing)
    {
        // The inner handler is the caller's.
    }
}
