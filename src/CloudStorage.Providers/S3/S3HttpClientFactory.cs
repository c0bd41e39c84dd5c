using Amazon.Runtime;
using CloudStorage.Providers.Common;

namespace CloudStorage.Providers.S3;

/// <summary>
/// The AWS SDK's HTTP clients, built on the provider's <see cref="HttpTimeouts"/> (connect and idle-read limits). The
/// SDK's own whole-request timeout is off: a long transfer that keeps moving is never cut, a silent one always is.
/// </summary>
internal sealed class S3HttpClientFactory(HttpTimeouts timeouts) : HttpClientFactory
{
    public override HttpClient CreateHttpClient(IClientConfig clientConfig) =>
        new(timeouts.CreateHandler(), disposeHandler: true) { Timeout = Timeout.InfiniteTimeSpan };

    // One client per provider (the SDK caches by this string otherwise, across providers with other timeouts).
    public override bool UseSDKHttpClientCaching(IClientConfig clientConfig) => false;

    public override bool DisposeHttpClientsAfterUse(IClientConfig clientConfig) => false;

    public override string GetConfigUniqueString(IClientConfig clientConfig) =>
        $"cloudstorage:{timeouts.Connect.Ticks}:{timeouts.Read.Ticks}";
}
