using System.Globalization;
using System.Text;
using System.Xml.Linq;
using Azure;
using Azure.Core;
using Azure.Core.Pipeline;
using CloudStorage.Providers.Common;

namespace CloudStorage.Providers.Azure.Transport;

/// <summary>
/// The Blob service REST API over Azure.Core's <see cref="HttpPipeline"/>: builds each request (URL with every blob
/// name segment percent-encoded, headers, body), sends it through the authorization policy of the credential, and
/// turns error answers into <see cref="AzureServiceException"/>. Knows nothing of the engine's model; the official
/// SDK's BlobClient could replace this class without changes elsewhere in the provider's contract.
/// </summary>
internal sealed class AzureBlobRestClient
{
    /// <summary>The OAuth scope of Azure Storage.</summary>
    public const string StorageScope = "https://storage.azure.com/.default";

    private readonly HttpPipeline _pipeline;
    private readonly string _basePath;

    public AzureBlobRestClient(Uri endpoint, string account, AzureStorageCredential credential, HttpPipelineTransport? transport = null,
        HttpTimeouts? timeouts = null)
    {
        Endpoint = endpoint;
        Account = account;
        Credential = credential;
        _basePath = endpoint.AbsolutePath.TrimEnd('/');
        var options = new AzureBlobClientOptions();
        options.Retry.MaxRetries = 0; // the resilience decorator retries whole operations, and blocks are retried on their own
        options.Diagnostics.ApplicationId = "CloudStorage";
        options.Diagnostics.IsLoggingContentEnabled = false;
        // Silence is bounded by the connect and idle-read timeouts of HttpTimeouts (with a clear message naming the
        // address), not by Azure.Core's whole-request network timeout, which would also cut a long steady transfer.
        options.Retry.NetworkTimeout = Timeout.InfiniteTimeSpan;
        options.Transport = transport
            ?? new HttpClientTransport(new HttpClient((timeouts ?? new HttpTimeouts()).CreateHandler(), disposeHandler: true) { Timeout = Timeout.InfiniteTimeSpan });
        HttpPipelinePolicy[] auth = credential switch
        {
            AzureSharedKeyCredential key => [new AzureSharedKeyPolicy(key)],
            AzureSasCredential sas => [new AzureSasPolicy(sas)],
            AzureTokenCredential token => [new BearerTokenAuthenticationPolicy(token.Credential, StorageScope)],
            _ => [],
        };
        _pipeline = HttpPipelineBuilder.Build(options, [], auth, new ResponseClassifier());
    }

    public Uri Endpoint { get; }
    public string Account { get; }
    public AzureStorageCredential Credential { get; }

    private sealed class AzureBlobClientOptions : ClientOptions;

    // ------------------------------------------------------------------ addresses

    /// <summary>Percent-encodes each '/'-separated segment of a blob name ('.' and '..' segments too, so no URL parser folds them).</summary>
    public static string EncodeBlobName(string blob)
    {
        var segments = blob.Split('/');
        for (var i = 0; i < segments.Length; i++)
            segments[i] = segments[i] switch
            {
                "." => "%2E",
                ".." => "%2E%2E",
                var s => Uri.EscapeDataString(s),
            };
        return string.Join('/', segments);
    }

    public Uri ContainerUri(string container, string query = "") => Build("/" + container, query);

    public Uri BlobUri(string container, string blob, string query = "") => Build("/" + container + "/" + EncodeBlobName(blob), query);

    private Uri Build(string path, string query)
    {
        var builder = new StringBuilder();
        builder.Append(Endpoint.Scheme).Append("://").Append(Endpoint.Authority).Append(_basePath).Append(path);
        if (query.Length > 0) builder.Append('?').Append(query);
        return new Uri(builder.ToString());
    }

    private static string Query(params (string Name, string? Value)[] parameters) =>
        string.Join('&', parameters.Where(p => p.Value is not null).Select(p => p.Name + "=" + Uri.EscapeDataString(p.Value!)));

    // ------------------------------------------------------------------ sending

    private HttpMessage Create(RequestMethod method, Uri uri)
    {
        var message = _pipeline.CreateMessage();
        message.Request.Method = method;
        message.Request.Uri.Reset(uri);
        message.Request.Headers.SetValue("x-ms-version", AzureBlobProviderOptions.ServiceVersion);
        return message;
    }

    private static void SetBody(HttpMessage message, ReadOnlyMemory<byte> body, string? contentType = null)
    {
        message.Request.Content = RequestContent.Create(body);
        if (contentType is not null) message.Request.Headers.SetValue("Content-Type", contentType);
    }

    /// <summary>Sends and returns the response when its status is 2xx; otherwise throws <see cref="AzureServiceException"/>.</summary>
    private async Task<Response> SendAsync(HttpMessage message, CancellationToken ct)
    {
        await _pipeline.SendAsync(message, ct).ConfigureAwait(false);
        var response = message.Response;
        if (response.Status is >= 200 and < 300) return response;
        throw await FailureAsync(response, ct).ConfigureAwait(false);
    }

    private static async Task<AzureServiceException> FailureAsync(Response response, CancellationToken ct)
    {
        response.Headers.TryGetValue("x-ms-error-code", out var code);
        string? message = null;
        try
        {
            if (response.ContentStream is { } body)
            {
                using var reader = new StreamReader(body, Encoding.UTF8, leaveOpen: true);
                var text = await reader.ReadToEndAsync(ct).ConfigureAwait(false);
                if (text.Length > 0 && text.TrimStart().StartsWith('<'))
                {
                    var root = XDocument.Parse(text).Root;
                    code ??= root?.Element("Code")?.Value;
                    message = root?.Element("Message")?.Value;
                }
            }
        }
        catch (Exception e) when (e is System.Xml.XmlException or IOException)
        {
            // An unreadable error body: the status and code say enough.
        }
        response.Headers.TryGetValue("Retry-After", out var retryAfter);
        return new AzureServiceException(response.Status, code, AzureServiceException.Scrub(message),
            RetryAfterHeader.Parse(retryAfter, DateTimeOffset.UtcNow));
    }

    private static string? Header(Response response, string name) => response.Headers.TryGetValue(name, out var v) ? v : null;

    // ------------------------------------------------------------------ blobs

    /// <summary>Get Blob Properties; null when the blob does not exist (a missing container throws).</summary>
    public async Task<AzureBlobProperties?> GetPropertiesAsync(string container, string blob, CancellationToken ct)
    {
        using var message = Create(RequestMethod.Head, BlobUri(container, blob));
        try
        {
            var response = await SendAsync(message, ct).ConfigureAwait(false);
            return PropertiesFrom(response);
        }
        catch (AzureServiceException e) when (e.Status == 404 && e.ErrorCode is null or "BlobNotFound")
        {
            // HEAD answers carry no body: the code comes from x-ms-error-code, which says ContainerNotFound when it is the container.
            return null;
        }
    }

    /// <summary>Get Blob, optionally a range (<c>bytes=a-b</c>); the caller disposes the returned download.</summary>
    public async Task<AzureDownload> DownloadAsync(string container, string blob, string? range, CancellationToken ct)
    {
        var message = Create(RequestMethod.Get, BlobUri(container, blob));
        message.BufferResponse = false; // stream the body
        if (range is not null) message.Request.Headers.SetValue("x-ms-range", range);
        try
        {
            var response = await SendAsync(message, ct).ConfigureAwait(false);
            return new AzureDownload(message, response.ContentStream ?? Stream.Null, PropertiesFrom(response));
        }
        catch
        {
            message.Dispose();
            throw;
        }
    }

    /// <summary>Put Blob: the whole content in one request, its MD5 checked by the service and stored.</summary>
    public async Task<AzureBlobProperties> PutBlobAsync(string container, string blob, ReadOnlyMemory<byte> content, byte[] contentMd5,
        AzureBlobWriteHeaders headers, CancellationToken ct)
    {
        using var message = Create(RequestMethod.Put, BlobUri(container, blob));
        message.Request.Headers.SetValue("x-ms-blob-type", "BlockBlob");
        message.Request.Headers.SetValue("Content-MD5", Convert.ToBase64String(contentMd5));
        ApplyWriteHeaders(message.Request, headers with { ContentMd5 = headers.ContentMd5 ?? contentMd5 });
        SetBody(message, content);
        var response = await SendAsync(message, ct).ConfigureAwait(false);
        return PropertiesFrom(response);
    }

    /// <summary>Put Block: stages one block (uncommitted until Put Block List), its MD5 checked by the service.</summary>
    public async Task PutBlockAsync(string container, string blob, string blockId, ReadOnlyMemory<byte> content, byte[] contentMd5, CancellationToken ct)
    {
        using var message = Create(RequestMethod.Put, BlobUri(container, blob, Query(("comp", "block"), ("blockid", blockId))));
        message.Request.Headers.SetValue("Content-MD5", Convert.ToBase64String(contentMd5));
        SetBody(message, content);
        await SendAsync(message, ct).ConfigureAwait(false);
    }

    /// <summary>Put Block List: commits the staged blocks in order, with the blob's properties (x-ms-blob-content-md5 among them).</summary>
    public async Task<AzureBlobProperties> PutBlockListAsync(string container, string blob, IReadOnlyList<string> blockIds, AzureBlobWriteHeaders headers,
        CancellationToken ct)
    {
        var xml = new StringBuilder("<?xml version=\"1.0\" encoding=\"utf-8\"?><BlockList>");
        foreach (var id in blockIds) xml.Append("<Latest>").Append(id).Append("</Latest>");
        xml.Append("</BlockList>");
        var body = Encoding.UTF8.GetBytes(xml.ToString());
        using var message = Create(RequestMethod.Put, BlobUri(container, blob, Query(("comp", "blocklist"))));
        ApplyWriteHeaders(message.Request, headers);
        message.Request.Headers.SetValue("Content-MD5", Convert.ToBase64String(System.Security.Cryptography.MD5.HashData(body)));
        SetBody(message, body, "application/xml; charset=utf-8");
        var response = await SendAsync(message, ct).ConfigureAwait(false);
        return PropertiesFrom(response);
    }

    /// <summary>Delete Blob with its snapshots; false when the blob did not exist.</summary>
    public async Task<bool> DeleteBlobAsync(string container, string blob, CancellationToken ct)
    {
        using var message = Create(RequestMethod.Delete, BlobUri(container, blob));
        message.Request.Headers.SetValue("x-ms-delete-snapshots", "include");
        try
        {
            await SendAsync(message, ct).ConfigureAwait(false);
            return true;
        }
        catch (AzureServiceException e) when (e.Status == 404 && e.ErrorCode is null or "BlobNotFound")
        {
            return false;
        }
    }

    /// <summary>
    /// Copy Blob From URL (<paramref name="synchronous"/>: the copy is done when the call returns; up to 256 MiB) or
    /// Copy Blob (may answer <c>pending</c>; see <see cref="GetPropertiesAsync"/> for its progress). Returns the copy id and status.
    /// </summary>
    public async Task<(string? CopyId, string? Status)> CopyAsync(string container, string blob, Uri source, string? sourceBearerToken,
        string? sourceIfMatch, AzureBlobWriteHeaders headers, bool synchronous, CancellationToken ct)
    {
        using var message = Create(RequestMethod.Put, BlobUri(container, blob));
        var request = message.Request;
        request.Headers.SetValue("x-ms-copy-source", source.AbsoluteUri);
        if (synchronous) request.Headers.SetValue("x-ms-requires-sync", "true");
        if (sourceBearerToken is not null) request.Headers.SetValue("x-ms-copy-source-authorization", "Bearer " + sourceBearerToken);
        if (sourceIfMatch is not null) request.Headers.SetValue("x-ms-source-if-match", sourceIfMatch);
        ApplyMetadataTierTags(request, headers);
        SetBody(message, ReadOnlyMemory<byte>.Empty);
        var response = await SendAsync(message, ct).ConfigureAwait(false);
        return (Header(response, "x-ms-copy-id"), Header(response, "x-ms-copy-status"));
    }

    /// <summary>Abort Copy Blob (best effort; the destination is left empty by the service).</summary>
    public async Task AbortCopyAsync(string container, string blob, string copyId, CancellationToken ct)
    {
        using var message = Create(RequestMethod.Put, BlobUri(container, blob, Query(("comp", "copy"), ("copyid", copyId))));
        message.Request.Headers.SetValue("x-ms-copy-action", "abort");
        SetBody(message, ReadOnlyMemory<byte>.Empty);
        await SendAsync(message, ct).ConfigureAwait(false);
    }

    /// <summary>Set Blob Properties: replaces every content header (an omitted one is cleared).</summary>
    public async Task SetHttpHeadersAsync(string container, string blob, AzureBlobWriteHeaders headers, CancellationToken ct)
    {
        using var message = Create(RequestMethod.Put, BlobUri(container, blob, Query(("comp", "properties"))));
        ApplyContentHeaders(message.Request, headers);
        SetBody(message, ReadOnlyMemory<byte>.Empty);
        await SendAsync(message, ct).ConfigureAwait(false);
    }

    /// <summary>Get Blob Tags.</summary>
    public async Task<IReadOnlyDictionary<string, string>> GetTagsAsync(string container, string blob, CancellationToken ct)
    {
        using var message = Create(RequestMethod.Get, BlobUri(container, blob, Query(("comp", "tags"))));
        var response = await SendAsync(message, ct).ConfigureAwait(false);
        var doc = await XDocument.LoadAsync(response.ContentStream!, LoadOptions.None, ct).ConfigureAwait(false);
        return doc.Descendants("Tag").ToDictionary(t => t.Element("Key")?.Value ?? "", t => t.Element("Value")?.Value ?? "");
    }

    // ------------------------------------------------------------------ containers and service

    /// <summary>List Blobs: one page (at most 5,000 entries), with metadata.</summary>
    public async Task<AzureListPage> ListBlobsAsync(string container, string prefix, string? delimiter, string? marker, int maxResults, CancellationToken ct)
    {
        var query = Query(("restype", "container"), ("comp", "list"), ("prefix", prefix.Length > 0 ? prefix : null),
            ("delimiter", string.IsNullOrEmpty(delimiter) ? null : delimiter), ("marker", string.IsNullOrEmpty(marker) ? null : marker),
            ("maxresults", maxResults.ToString(CultureInfo.InvariantCulture)), ("include", "metadata"));
        using var message = Create(RequestMethod.Get, ContainerUri(container, query));
        var response = await SendAsync(message, ct).ConfigureAwait(false);
        var doc = await XDocument.LoadAsync(response.ContentStream!, LoadOptions.None, ct).ConfigureAwait(false);
        return AzureBlobXml.ParseListPage(doc);
    }

    /// <summary>Create Container (tests and set-up); false when it already existed.</summary>
    public async Task<bool> CreateContainerAsync(string container, CancellationToken ct)
    {
        using var message = Create(RequestMethod.Put, ContainerUri(container, Query(("restype", "container"))));
        SetBody(message, ReadOnlyMemory<byte>.Empty);
        try
        {
            await SendAsync(message, ct).ConfigureAwait(false);
            return true;
        }
        catch (AzureServiceException e) when (e.Status == 409 && e.ErrorCode == "ContainerAlreadyExists")
        {
            return false;
        }
    }

    /// <summary>Delete Container (tests and clean-up); false when it did not exist.</summary>
    public async Task<bool> DeleteContainerAsync(string container, CancellationToken ct)
    {
        using var message = Create(RequestMethod.Delete, ContainerUri(container, Query(("restype", "container"))));
        try
        {
            await SendAsync(message, ct).ConfigureAwait(false);
            return true;
        }
        catch (AzureServiceException e) when (e.Status == 404)
        {
            return false;
        }
    }

    /// <summary>Get User Delegation Key (Entra ID only): the key that signs user-delegation SAS.</summary>
    public async Task<AzureUserDelegationKey> GetUserDelegationKeyAsync(DateTimeOffset start, DateTimeOffset expiry, CancellationToken ct)
    {
        var uri = Build("/", Query(("restype", "service"), ("comp", "userdelegationkey")));
        using var message = Create(RequestMethod.Post, uri);
        var body = $"<?xml version=\"1.0\" encoding=\"utf-8\"?><KeyInfo><Start>{AzureBlobXml.SasTime(start)}</Start><Expiry>{AzureBlobXml.SasTime(expiry)}</Expiry></KeyInfo>";
        SetBody(message, Encoding.UTF8.GetBytes(body), "application/xml; charset=utf-8");
        var response = await SendAsync(message, ct).ConfigureAwait(false);
        var doc = await XDocument.LoadAsync(response.ContentStream!, LoadOptions.None, ct).ConfigureAwait(false);
        return AzureBlobXml.ParseUserDelegationKey(doc);
    }

    /// <summary>An Entra ID access token for Azure Storage (for x-ms-copy-source-authorization).</summary>
    public async Task<string?> GetBearerTokenAsync(CancellationToken ct) =>
        Credential is AzureTokenCredential token
            ? (await token.Credential.GetTokenAsync(new TokenRequestContext([StorageScope]), ct).ConfigureAwait(false)).Token
            : null;

    // ------------------------------------------------------------------ headers

    private static void ApplyWriteHeaders(Request request, AzureBlobWriteHeaders headers)
    {
        ApplyContentHeaders(request, headers);
        ApplyMetadataTierTags(request, headers);
    }

    private static void ApplyContentHeaders(Request request, AzureBlobWriteHeaders headers)
    {
        request.Headers.SetValue("x-ms-blob-content-type", headers.ContentType);
        if (headers.ContentMd5 is { } md5) request.Headers.SetValue("x-ms-blob-content-md5", Convert.ToBase64String(md5));
        if (headers.ContentEncoding is { } encoding) request.Headers.SetValue("x-ms-blob-content-encoding", encoding);
        if (headers.ContentLanguage is { } language) request.Headers.SetValue("x-ms-blob-content-language", language);
        if (headers.ContentDisposition is { } disposition) request.Headers.SetValue("x-ms-blob-content-disposition", disposition);
        if (headers.CacheControl is { } cache) request.Headers.SetValue("x-ms-blob-cache-control", cache);
    }

    private static void ApplyMetadataTierTags(Request request, AzureBlobWriteHeaders headers)
    {
        if (headers.Metadata is { } metadata)
            foreach (var (name, value) in metadata) request.Headers.SetValue("x-ms-meta-" + name, value);
        if (headers.AccessTier is { } tier) request.Headers.SetValue("x-ms-access-tier", tier);
        if (headers.Tags is { Count: > 0 } tags)
            request.Headers.SetValue("x-ms-tags", string.Join('&', tags.Select(t => Uri.EscapeDataString(t.Key) + "=" + Uri.EscapeDataString(t.Value))));
    }

    private static AzureBlobProperties PropertiesFrom(Response response)
    {
        var metadata = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var header in response.Headers)
            if (header.Name.StartsWith("x-ms-meta-", StringComparison.OrdinalIgnoreCase))
                metadata[header.Name["x-ms-meta-".Length..]] = header.Value;
        var md5 = Header(response, "Content-MD5");
        // A ranged read reports the range's MD5 (if asked for) as Content-MD5 and the whole blob's as x-ms-blob-content-md5.
        if (Header(response, "Content-Range") is not null) md5 = Header(response, "x-ms-blob-content-md5");
        long length;
        if (Header(response, "Content-Range") is { } range && range.LastIndexOf('/') is var slash and >= 0
            && long.TryParse(range[(slash + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var total))
            length = total;
        else
            length = long.TryParse(Header(response, "Content-Length"), NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : 0;
        return new AzureBlobProperties
        {
            ContentLength = length,
            ContentType = Header(response, "Content-Type"),
            ContentEncoding = Header(response, "Content-Encoding"),
            ContentLanguage = Header(response, "Content-Language"),
            ContentDisposition = Header(response, "Content-Disposition"),
            CacheControl = Header(response, "Cache-Control"),
            ContentMd5 = AzureBlobXml.Md5(md5),
            ETag = AzureBlobProperties.QuoteETag(Header(response, "ETag")),
            LastModified = AzureBlobXml.HttpDate(Header(response, "Last-Modified")),
            Metadata = metadata,
            AccessTier = Header(response, "x-ms-access-tier"),
            BlobType = Header(response, "x-ms-blob-type"),
            CopyId = Header(response, "x-ms-copy-id"),
            CopyStatus = Header(response, "x-ms-copy-status"),
            CopyStatusDescription = Header(response, "x-ms-copy-status-description"),
        };
    }
}

/// <summary>A Get Blob answer: the body stream (owned until disposed) and the blob's properties.</summary>
internal sealed class AzureDownload(HttpMessage message, Stream body, AzureBlobProperties properties) : IDisposable
{
    public Stream Body { get; } = body;
    public AzureBlobProperties Properties { get; } = properties;

    public void Dispose()
    {
        Body.Dispose();
        message.Dispose();
    }
}
