using System.Collections.Concurrent;
using Amazon.Runtime;

namespace CloudStorage.Providers.Tests.Support;

/// <summary>Gives the SDK an HttpClient that records the method, path and headers of every request it sends.</summary>
public sealed class RecordingHttpClientFactory : HttpClientFactory
{
    public ConcurrentQueue<RecordedRequest> Requests { get; } = new();

    private int _inFlight;
    private int _peakInFlight;

    /// <summary>The most requests that were on their way at once.</summary>
    public int PeakInFlight => Volatile.Read(ref _peakInFlight);

    public override HttpClient CreateHttpClient(IClientConfig clientConfig) =>
        new(new RecordingHandler(this) { InnerHandler = new SocketsHttpHandler() });

    public override bool UseSDKHttpClientCaching(IClientConfig clientConfig) => false;

    private sealed class RecordingHandler(RecordingHttpClientFactory owner) : DelegatingHandler
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var headers = request.Headers.Concat(request.Content?.Headers ?? Enumerable.Empty<KeyValuePair<string, IEnumerable<string>>>())
                .ToDictionary(h => h.Key.ToLowerInvariant(), h => string.Join(",", h.Value));
            owner.Requests.Enqueue(new RecordedRequest(request.Method.Method, request.RequestUri!.PathAndQuery, headers));
            var now = Interlocked.Increment(ref owner._inFlight);
            int peak;
            while (now > (peak = Volatile.Read(ref owner._peakInFlight)) && Interlocked.CompareExchange(ref owner._peakInFlight, now, peak) != peak) { }
            try
            {
                return await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                Interlocked.Decrement(ref owner._inFlight);
            }
        }
    }
}

public sealed record RecordedRequest(string Method, string PathAndQuery, IReadOnlyDictionary<string, string> Headers)
{
    /// <summary>True when the SDK attached a flexible checksum (header or trailer) to this request.</summary>
    public bool HasFlexibleChecksum =>
        Headers.ContainsKey("x-amz-trailer") || Headers.ContainsKey("x-amz-sdk-checksum-algorithm")
        || Headers.Keys.Any(k => k.StartsWith("x-amz-checksum-", StringComparison.Ordinal))
        || Headers.TryGetValue("x-amz-content-sha256", out var sha) && sha.EndsWith("-TRAILER", StringComparison.Ordinal);
}
