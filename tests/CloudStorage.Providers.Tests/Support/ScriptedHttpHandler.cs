using System.Collections.Concurrent;
using System.Net;

namespace CloudStorage.Providers.Tests.Support;

/// <summary>An HTTP handler that answers from a script instead of the network, recording each request.</summary>
public sealed class ScriptedHttpHandler : HttpMessageHandler
{
    private readonly ConcurrentQueue<Func<HttpRequestMessage, HttpResponseMessage>> _answers = new();

    public ConcurrentQueue<HttpRequestMessage> Requests { get; } = new();

    public ScriptedHttpHandler Then(Func<HttpRequestMessage, HttpResponseMessage> answer)
    {
        _answers.Enqueue(answer);
        return this;
    }

    public ScriptedHttpHandler Then(HttpStatusCode status, string? errorCode = null, params (string Name, string Value)[] headers) =>
        Then(_ => Answer(status, errorCode, headers));

    /// <summary>An Azure-style answer: the error code in x-ms-error-code and an XML error body.</summary>
    public static HttpResponseMessage Answer(HttpStatusCode status, string? errorCode = null, params (string Name, string Value)[] headers)
    {
        var response = new HttpResponseMessage(status);
        if (errorCode is not null)
        {
            response.Headers.TryAddWithoutValidation("x-ms-error-code", errorCode);
            response.Content = new StringContent(
                $"<?xml version=\"1.0\" encoding=\"utf-8\"?><Error><Code>{errorCode}</Code><Message>simulated {errorCode}\nRequestId:r1</Message></Error>",
                System.Text.Encoding.UTF8, "application/xml");
        }
        foreach (var (name, value) in headers)
            if (!response.Headers.TryAddWithoutValidation(name, value))
            {
                response.Content ??= new ByteArrayContent([]);
                response.Content.Headers.TryAddWithoutValidation(name, value);
            }
        return response;
    }

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        Requests.Enqueue(request);
        var response = _answers.TryDequeue(out var answer) ? answer(request) : Answer(HttpStatusCode.InternalServerError, "NoMoreScriptedAnswers");
        response.RequestMessage = request;
        return Task.FromResult(response);
    }
}
