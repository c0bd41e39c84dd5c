using System.Runtime.CompilerServices;
using CloudStorage.Providers.Common;
using Google.Apis.Http;

namespace CloudStorage.Providers.Gcs;

/// <summary>
/// The HTTP clients of the provider's <c>StorageService</c>: the SDK's <see cref="ConfigurableHttpClient"/> (credentials,
/// user agent) over the provider's own handler chain — the connect and read timeouts of <see cref="HttpTimeouts"/>
/// (or a test's injected handler, keeping the read timeout), no automatic decompression (a gzip-encoded object is read
/// as stored, so its hashes match), and a recorder of <c>Retry-After</c>. The SDK's own retries are off
/// (<see cref="ConfigurableMessageHandler.NumTries"/> = 1): the provider's Polly pipeline is the one retry layer.
/// </summary>
internal sealed class GcsHttpClientFactory(GcsProviderOptions options) : IHttpClientFactory
{
    private readonly HandlerFactory _inner = new(options);

    /// <inheritdoc />
    public ConfigurableHttpClient CreateHttpClient(CreateHttpClientArgs args)
    {
        var client = _inner.CreateHttpClient(args);
        client.MessageHandler.NumTries = 1;
        client.MessageHandler.FollowRedirect = false;
        // Redirects, token refreshes after a 401 and the resumable upload's own "ask where the session stands" all
        // go through NumTries: with one try, none of them resends anything behind the retry layer's back.
        client.Timeout = options.RequestTimeout;
        return client;
    }

    /// <summary>The SDK's factory with the provider's handler chain underneath.</summary>
    private sealed class HandlerFactory(GcsProviderOptions options) : HttpClientFactory
    {
        protected override HttpMessageHandler CreateHandler(CreateHttpClientArgs args) =>
            new RetryAfterRecorder { InnerHandler = options.Timeouts.CreateHandler(options.HttpHandler is { } injected ? new NonDisposingHandler(injected) : null) };
    }
}

/// <summary>
/// The <c>Retry-After</c> of the last failed answer of one provider call. The SDK's exceptions carry no response
/// headers, so the handler records the header here and the error mapper reads it: one box per call, flowing with the
/// call's async context (never state on the provider).
/// </summary>
internal static class GcsCallState
{
    private static readonly AsyncLocal<StrongBox<TimeSpan?>?> Current = new();

    /// <summary>Starts recording for the calls made from here on in this async flow.</summary>
    public static void Begin() => Current.Value = new StrongBox<TimeSpan?>();

    /// <summary>The Retry-After of the last failed answer in this flow, if any.</summary>
    public static TimeSpan? RetryAfter => Current.Value?.Value;

    internal static void Record(TimeSpan? retryAfter)
    {
        if (Current.Value is { } box) box.Value = retryAfter;
    }
}

/// <summary>
/// Records the Retry-After of failed answers in <see cref="GcsCallState"/>, and keeps a JSON resource's own etag: the
/// SDK copies an answer's HTTP <c>ETag</c> header over the resource's <c>etag</c> field, and a server in front of the
/// JSON API (the emulator's web framework) may add an ETag of its own, so the one of a metadata answer and the one
/// of a listing would differ for the same object.
/// </summary>
internal sealed class RetryAfterRecorder : DelegatingHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        if (response.Content.Headers.ContentType?.MediaType == "application/json") response.Headers.ETag = null;
        if ((int)response.StatusCode >= 400)
            GcsCallState.Record(response.Headers.TryGetValues("Retry-After", out var values)
                ? RetryAfterHeader.Parse(values.FirstOrDefault(), DateTimeOffset.UtcNow)
                : null);
        return response;
    }
}

/// <summary>Passes requests to a handler the caller owns, without disposing it.</summary>
internal sealed class NonDisposingHandler(HttpMessageHandler inner) : DelegatingHandler(inner)
{
    protected override void Dispose(bool disposing)
    {
        // The inner handler is the caller's.
    }
}
