namespace CloudStorage.Core.Errors;

/// <summary>
/// Where one-line retry notices go for the work running on the current async flow: a cmdlet points it at its
/// -Verbose stream for the duration of its engine call, and the retry layer writes one line per retry. The sink
/// travels with the async flow (an <see cref="AsyncLocal{T}"/>), so concurrent cmdlets and sessions never see each
/// other's lines; without a sink nothing is written.
/// </summary>
public static class RetryLog
{
    private static readonly AsyncLocal<Action<string>?> Sink = new();

    /// <summary>Sends retry notices of this async flow to <paramref name="sink"/> until the returned scope is disposed.</summary>
    public static IDisposable Use(Action<string> sink)
    {
        ArgumentNullException.ThrowIfNull(sink);
        var previous = Sink.Value;
        Sink.Value = sink;
        return new Scope(previous);
    }

    /// <summary>Writes one notice to the current sink, if any (a failing sink never fails the operation).</summary>
    public static void Write(string message)
    {
        if (Sink.Value is not { } sink) return;
        try
        {
            sink(message);
        }
        catch (Exception)
        {
            // Diagnostics must not turn a retry into a failure.
        }
    }

    private sealed class Scope(Action<string>? previous) : IDisposable
    {
        public void Dispose() => Sink.Value = previous;
    }
}
