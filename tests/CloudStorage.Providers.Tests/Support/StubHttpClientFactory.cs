using System.Collections.Concurrent;
using System.Net;
using Amazon.Runtime;

namespace CloudStorage.Providers.Tests.Support;

/// <summary>Gives the SDK an HttpClient that answers from a script instead of the network.</summary>
public sealed class StubHttpClientFactory : HttpClientFactory
{
    private readonly ConcurrentQueue<Func<HttpRequestMessage, HttpResponseMessage>> _answers = new();

    public int Requests;

    public StubHttpClientFactory Then(Func<HttpRequestMessage, HttpResponseMessage> answer)
    {
        _answers.Enqueue(answer);
        return this;
    }

    /// <summary>An S3 error document with the given code and status, plus optional headers.</summary>
    public static HttpResponseMessage Error(HttpStatusCode status, string code, params (string Name, string Value)[] headers)
    {
        var response = new HttpResponseMessage(status)
        {
            Content = new StringContent($"<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>{code}</Code><Message>{code}</Message><RequestId>r1</RequestId></Error>",
                System.Text.Encoding.UTF8, "application/xml"),
        };
        foreach (var (name, value) in headers) response.Headers.TryAddWithoutValidation(name, value);
        return response;
    }

    public override HttpClient CreateHttpClient(IClientConfig clientConfig) => new(new Handler(this));

    public override bool UseSDKHttpClientCaching(IClientConfig clientConfig) => false;

    private sealed class Handler(StubHttpClientFactory owner) : HttpMessageHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref owner.Requests);
            if (!owner._answers.TryDequeue(out var answer))
                return Task.FromResult(Error(HttpStatusCode.InternalServerError, "NoMoreScriptedAnswers"));
            var response = answer(request);
            response.RequestMessage = request;
            return Task.FromResult(response);
        }
    }
}
