using System.Collections.Concurrent;
using System.Net;
using System.Text;

namespace CloudStorage.Providers.Tests.Gcs;

/// <summary>An HTTP handler that answers GCS JSON API requests from a script instead of the network and records what it was sent.</summary>
public sealed class GcsScriptedHandler : HttpMessageHandler
{
    private readonly ConcurrentQueue<Func<HttpRequestMessage, HttpResponseMessage>> _answers = new();

    /// <summary>Every request, in order: method, URL and the Authorization header (null when none).</summary>
    public ConcurrentQueue<(string Method, Uri Url, string? Authorization)> Requests { get; } = new();

    public GcsScriptedHandler Then(Func<HttpRequestMessage, HttpResponseMessage> answer)
    {
        _answers.Enqueue(answer);
        return this;
    }

    public GcsScriptedHandler Then(HttpStatusCode status, string json = "", params (string Name, string Value)[] headers) =>
        Then(_ => Response(status, json, headers));

    public static HttpResponseMessage Response(HttpStatusCode status, string json = "", params (string Name, string Value)[] headers)
    {
        var response = new HttpResponseMessage(status) { Content = new StringContent(json, Encoding.UTF8, "application/json") };
        foreach (var (name, value) in headers) response.Headers.TryAddWithoutValidation(name, value);
        return response;
    }

    /// <summary>A GCS JSON API error document.</summary>
    public static string Error(int code, string reason, string message) =>
        $$$"""{"error":{"code":{{{code}}},"message":"{{{message}}}","errors":[{"message":"{{{message}}}","domain":"global","reason":"{{{reason}}}"}]}}""";

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        Requests.Enqueue((request.Method.Method, request.RequestUri!, request.Headers.Authorization?.ToString()));
        var response = _answers.TryDequeue(out var answer)
            ? answer(request)
            : Response(HttpStatusCode.InternalServerError, Error(500, "backendError", "no more scripted answers"));
        response.RequestMessage = request;
        return Task.FromResult(response);
    }
}
