using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace CloudStorage.Providers.Tests.Faults;

/// <summary>The faults <see cref="FaultProxy"/> injects.</summary>
public enum FaultKind
{
    /// <summary>Forwarded untouched.</summary>
    None,
    /// <summary>503 Service Unavailable with Retry-After: 0, not forwarded.</summary>
    Unavailable503,
    /// <summary>500 Internal Server Error, not forwarded.</summary>
    Internal500,
    /// <summary>429 Too Many Requests with Retry-After: 1, not forwarded.</summary>
    Throttled429,
    /// <summary>The connection reset: before the request reaches the server, or after it did (the answer is lost).</summary>
    Reset,
    /// <summary>The request accepted and never answered (the client's read timeout must end it).</summary>
    Stall,
    /// <summary>The answer's head and half its body, then the connection closes (Content-Length promised more).</summary>
    ShortBody,
    /// <summary>The answer's head and half its body, then silence (the client's read timeout must end it).</summary>
    StallMidBody,
    /// <summary>A clean but truncated answer: Content-Length rewritten to half the body, half the body sent.</summary>
    ShortDeclared,
    /// <summary>The whole answer with one byte of its body changed.</summary>
    CorruptBody,
}

/// <summary>Which requests get which fault.</summary>
/// <param name="Rate">The share of requests that get a fault (0..1).</param>
/// <param name="Kinds">The faults drawn from, evenly.</param>
/// <param name="Seed">The random seed.</param>
/// <param name="MaxConsecutive">
/// The most faults in a row for one request (method, path and query, range): after that it goes through, so that a
/// client with that many retries always gets there and a test never depends on luck.
/// </param>
public sealed record FaultPlan(double Rate, FaultKind[] Kinds, int Seed = 1, int MaxConsecutive = 2)
{
    /// <summary>Only requests this accepts (method, request target) get faults; null: all.</summary>
    public Func<string, string, bool>? Where { get; init; }

    /// <summary>No faults.</summary>
    public static FaultPlan Off { get; } = new(0, []);

    /// <summary>True for faults that can only happen to an answer with a body.</summary>
    public static bool NeedsBody(FaultKind kind) => kind is FaultKind.ShortBody or FaultKind.StallMidBody or FaultKind.ShortDeclared or FaultKind.CorruptBody;
}

/// <summary>
/// A small HTTP/1.1 forwarder on 127.0.0.1 in front of an emulator that injects faults into a share of the requests:
/// error statuses with Retry-After, connection resets, stalls and short bodies. It sits at the wire, so it works the
/// same for the AWS SDK, Azure.Core and HttpClient (and for the official SDKs that replace them). One request per
/// connection (the upstream request carries <c>Connection: close</c> and its answer is read to its end), which
/// keeps the forwarding simple and every fault confined to one request.
/// </summary>
public sealed class FaultProxy : IAsyncDisposable
{
    private readonly TcpListener _listener;
    private readonly Uri _upstream;
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentBag<Socket> _held = [];
    private readonly ConcurrentDictionary<string, int> _streaks = new();
    private readonly object _randomGate = new();
    private readonly Task _acceptLoop;
    private Random _random;
    private FaultPlan _plan;

    /// <summary>Starts a proxy to <paramref name="upstream"/> (scheme http, host and port; a path is kept for <see cref="Endpoint"/>).</summary>
    public FaultProxy(Uri upstream, FaultPlan? plan = null)
    {
        _upstream = upstream;
        _plan = plan ?? FaultPlan.Off;
        _random = new Random(_plan.Seed);
        _listener = new TcpListener(IPAddress.Loopback, 0);
        _listener.Start(512);
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        _acceptLoop = Task.Run(AcceptLoopAsync);
    }

    /// <summary>The proxy's port on 127.0.0.1.</summary>
    public int Port { get; }

    /// <summary>The upstream URL with the proxy's authority (the path, such as Azurite's account, kept).</summary>
    public Uri Endpoint => new UriBuilder(_upstream) { Host = "127.0.0.1", Port = Port }.Uri;

    /// <summary>The proxy's base URL, <c>http://127.0.0.1:PORT</c>.</summary>
    public string Origin => $"http://127.0.0.1:{Port}";

    /// <summary>Requests seen.</summary>
    public int Requests => _requests;
    private int _requests;

    /// <summary>Faults injected, by kind.</summary>
    public ConcurrentDictionary<FaultKind, int> Injected { get; } = new();

    /// <summary>Total faults injected.</summary>
    public int TotalInjected => Injected.Values.Sum();

    /// <summary>Replaces the plan (from the next request on).</summary>
    public FaultPlan Plan
    {
        get => _plan;
        set
        {
            lock (_randomGate)
            {
                _plan = value;
                _random = new Random(value.Seed);
                _streaks.Clear();
            }
        }
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await _listener.AcceptSocketAsync(_stop.Token).ConfigureAwait(false);
            }
            catch (Exception) when (_stop.IsCancellationRequested)
            {
                return;
            }
            catch (SocketException)
            {
                continue;
            }
            _ = Task.Run(() => ServeAsync(client));
        }
    }

    private async Task ServeAsync(Socket client)
    {
        var hold = false;
        try
        {
            client.NoDelay = true;
            using var clientStream = new NetworkStream(client, ownsSocket: false);
            var request = await HttpMessageReader.ReadRequestAsync(clientStream, _stop.Token).ConfigureAwait(false);
            if (request is null) return;
            Interlocked.Increment(ref _requests);
            var fault = Decide(request);
            if (fault != FaultKind.None) Injected.AddOrUpdate(fault, 1, (_, n) => n + 1);

            switch (fault)
            {
                case FaultKind.Unavailable503:
                    await RespondAsync(clientStream, 503, "Service Unavailable", "Retry-After: 0\r\n").ConfigureAwait(false);
                    return;
                case FaultKind.Internal500:
                    await RespondAsync(clientStream, 500, "Internal Server Error", "").ConfigureAwait(false);
                    return;
                case FaultKind.Throttled429:
                    await RespondAsync(clientStream, 429, "Too Many Requests", "Retry-After: 1\r\n").ConfigureAwait(false);
                    return;
                case FaultKind.Stall:
                    hold = true;
                    _held.Add(client);
                    return;
                case FaultKind.Reset when Coin():
                    Reset(client);
                    return;
            }

            var response = await ForwardAsync(request).ConfigureAwait(false);
            switch (fault)
            {
                case FaultKind.Reset:
                    Reset(client); // the server did the work; the answer is lost
                    return;
                case FaultKind.CorruptBody when response.BodyLength > 0:
                    response.Raw[response.BodyOffset + response.BodyLength / 2] ^= 0x5A;
                    break;
                case FaultKind.CorruptBody:
                    break;
                case FaultKind.ShortBody or FaultKind.StallMidBody or FaultKind.ShortDeclared when response.BodyLength > 1:
                {
                    var half = response.BodyLength / 2;
                    var head = fault == FaultKind.ShortDeclared ? response.HeadWithContentLength(half) : response.Head;
                    await clientStream.WriteAsync(head, _stop.Token).ConfigureAwait(false);
                    await clientStream.WriteAsync(response.Raw.AsMemory(response.BodyOffset, half), _stop.Token).ConfigureAwait(false);
                    await clientStream.FlushAsync(_stop.Token).ConfigureAwait(false);
                    if (fault == FaultKind.StallMidBody)
                    {
                        hold = true;
                        _held.Add(client);
                        return;
                    }
                    if (fault == FaultKind.ShortBody) Reset(client);
                    return;
                }
                case FaultKind.ShortBody or FaultKind.StallMidBody or FaultKind.ShortDeclared:
                    Reset(client); // no body to cut: the answer is lost instead
                    return;
            }
            await clientStream.WriteAsync(response.Raw, _stop.Token).ConfigureAwait(false);
            await clientStream.FlushAsync(_stop.Token).ConfigureAwait(false);
        }
        catch (Exception)
        {
            // A client that gave up, an upstream that closed: the client sees a dropped connection.
        }
        finally
        {
            if (!hold)
            {
                try { client.Shutdown(SocketShutdown.Both); } catch (SocketException) { } catch (ObjectDisposedException) { }
                client.Dispose();
            }
        }
    }

    private bool Coin()
    {
        lock (_randomGate) return _random.Next(2) == 0;
    }

    private FaultKind Decide(HttpRequestHead request)
    {
        lock (_randomGate)
        {
            var plan = _plan;
            if (plan.Rate <= 0 || plan.Kinds.Length == 0 || plan.Where is { } where && !where(request.Method, request.Target)) return FaultKind.None;
            var identity = request.Identity;
            var streak = _streaks.GetValueOrDefault(identity);
            // A body fault on an answer without a body becomes a lost answer (the connection drops after the server acted).
            var candidates = plan.Kinds;
            if (streak >= plan.MaxConsecutive || candidates.Length == 0 || _random.NextDouble() >= plan.Rate)
            {
                _streaks.TryRemove(identity, out _);
                return FaultKind.None;
            }
            _streaks[identity] = streak + 1;
            return candidates[_random.Next(candidates.Length)];
        }
    }

    private static void Reset(Socket socket)
    {
        try
        {
            socket.LingerState = new LingerOption(true, 0); // close with RST
            socket.Close();
        }
        catch (SocketException) { }
        catch (ObjectDisposedException) { }
    }

    private static async Task RespondAsync(Stream stream, int status, string reason, string extraHeaders)
    {
        var text = $"HTTP/1.1 {status} {reason}\r\n{extraHeaders}Content-Length: 0\r\nConnection: close\r\n\r\n";
        await stream.WriteAsync(Encoding.ASCII.GetBytes(text)).ConfigureAwait(false);
        await stream.FlushAsync().ConfigureAwait(false);
    }

    private async Task<HttpResponseBytes> ForwardAsync(HttpRequestHead request)
    {
        using var upstream = new TcpClient { NoDelay = true };
        await upstream.ConnectAsync(_upstream.Host, _upstream.Port, _stop.Token).ConfigureAwait(false);
        var stream = upstream.GetStream();
        await stream.WriteAsync(request.ForwardHead(), _stop.Token).ConfigureAwait(false);
        if (request.Body.Length > 0) await stream.WriteAsync(request.Body, _stop.Token).ConfigureAwait(false);
        await stream.FlushAsync(_stop.Token).ConfigureAwait(false);
        var raw = new MemoryStream();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
        timeout.CancelAfter(TimeSpan.FromSeconds(60));
        await stream.CopyToAsync(raw, timeout.Token).ConfigureAwait(false);
        return new HttpResponseBytes(raw.ToArray());
    }

    /// <summary>Stops accepting and drops every held connection.</summary>
    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        _listener.Stop();
        foreach (var socket in _held)
        {
            try { socket.Dispose(); } catch (Exception) { }
        }
        try { await _acceptLoop.ConfigureAwait(false); } catch (Exception) { }
        _stop.Dispose();
    }
}

/// <summary>A request as read from the client: its head (parsed) and its whole body (raw, chunked or not).</summary>
internal sealed class HttpRequestHead
{
    public required string Method { get; init; }
    public required string Target { get; init; }
    public required string Version { get; init; }
    public required List<KeyValuePair<string, string>> Headers { get; init; }
    public byte[] Body { get; set; } = [];

    public string Identity => Method + " " + Target + " " + Header("Range");

    public string? Header(string name) => Headers.FirstOrDefault(h => h.Key.Equals(name, StringComparison.OrdinalIgnoreCase)).Value;

    /// <summary>The head sent upstream: one request per connection, no 100-continue handshake (the proxy did it).</summary>
    public byte[] ForwardHead()
    {
        var sb = new StringBuilder();
        sb.Append(Method).Append(' ').Append(Target).Append(' ').Append(Version).Append("\r\n");
        foreach (var (name, value) in Headers)
        {
            if (name.Equals("Connection", StringComparison.OrdinalIgnoreCase) || name.Equals("Keep-Alive", StringComparison.OrdinalIgnoreCase)
                || name.Equals("Expect", StringComparison.OrdinalIgnoreCase)) continue;
            sb.Append(name).Append(": ").Append(value).Append("\r\n");
        }
        sb.Append("Connection: close\r\n\r\n");
        return Encoding.Latin1.GetBytes(sb.ToString());
    }
}

/// <summary>An upstream answer, whole: head and body as received.</summary>
internal sealed class HttpResponseBytes
{
    public HttpResponseBytes(byte[] raw)
    {
        Raw = raw;
        var end = HttpMessageReader.IndexOfHeadEnd(raw, raw.Length);
        BodyOffset = end < 0 ? raw.Length : end + 4;
        var headText = Encoding.Latin1.GetString(raw, 0, Math.Max(0, BodyOffset - 4));
        var lines = headText.Split("\r\n");
        var declared = lines.Skip(1).Select(l => l.Split(':', 2)).Where(p => p.Length == 2 && p[0].Trim().Equals("Content-Length", StringComparison.OrdinalIgnoreCase))
            .Select(p => long.TryParse(p[1].Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : -1).FirstOrDefault(-1);
        var chunked = lines.Any(l => l.StartsWith("Transfer-Encoding:", StringComparison.OrdinalIgnoreCase) && l.Contains("chunked", StringComparison.OrdinalIgnoreCase));
        HeadLines = lines;
        // Only a body of declared length can be cut cleanly.
        BodyLength = !chunked && declared > 0 ? (int)Math.Min(declared, raw.Length - BodyOffset) : 0;
    }

    public byte[] Raw { get; }
    public int BodyOffset { get; }
    public int BodyLength { get; }
    private string[] HeadLines { get; }

    public ReadOnlyMemory<byte> Head => Raw.AsMemory(0, BodyOffset);

    public byte[] HeadWithContentLength(long length)
    {
        var lines = HeadLines.Select(l => l.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase)
            ? "Content-Length: " + length.ToString(CultureInfo.InvariantCulture) : l);
        return Encoding.Latin1.GetBytes(string.Join("\r\n", lines) + "\r\n\r\n");
    }
}

/// <summary>Reads one HTTP/1.1 request from a client connection.</summary>
internal static class HttpMessageReader
{
    public static int IndexOfHeadEnd(byte[] buffer, int count)
    {
        for (var i = 0; i + 3 < count; i++)
            if (buffer[i] == '\r' && buffer[i + 1] == '\n' && buffer[i + 2] == '\r' && buffer[i + 3] == '\n') return i;
        return -1;
    }

    public static async Task<HttpRequestHead?> ReadRequestAsync(NetworkStream stream, CancellationToken ct)
    {
        var buffer = new byte[64 * 1024];
        var count = 0;
        int end;
        while ((end = IndexOfHeadEnd(buffer, count)) < 0)
        {
            if (count == buffer.Length) Array.Resize(ref buffer, buffer.Length * 2);
            var n = await stream.ReadAsync(buffer.AsMemory(count), ct).ConfigureAwait(false);
            if (n == 0) return null;
            count += n;
        }
        var lines = Encoding.Latin1.GetString(buffer, 0, end).Split("\r\n");
        var first = lines[0].Split(' ', 3);
        var headers = lines.Skip(1).Select(l => l.Split(':', 2)).Where(p => p.Length == 2)
            .Select(p => new KeyValuePair<string, string>(p[0].Trim(), p[1].Trim())).ToList();
        var request = new HttpRequestHead { Method = first[0], Target = first[1], Version = first.Length > 2 ? first[2] : "HTTP/1.1", Headers = headers };

        var body = new MemoryStream();
        body.Write(buffer, end + 4, count - end - 4);
        if (request.Header("Expect") is { } expect && expect.Contains("100-continue", StringComparison.OrdinalIgnoreCase))
        {
            await stream.WriteAsync("HTTP/1.1 100 Continue\r\n\r\n"u8.ToArray(), ct).ConfigureAwait(false);
            await stream.FlushAsync(ct).ConfigureAwait(false);
        }
        if (request.Header("Transfer-Encoding") is { } te && te.Contains("chunked", StringComparison.OrdinalIgnoreCase))
        {
            while (!ChunkedComplete(body.GetBuffer(), (int)body.Length))
            {
                var n = await stream.ReadAsync(buffer, ct).ConfigureAwait(false);
                if (n == 0) return null;
                body.Write(buffer, 0, n);
            }
        }
        else if (long.TryParse(request.Header("Content-Length"), NumberStyles.None, CultureInfo.InvariantCulture, out var length))
        {
            while (body.Length < length)
            {
                var n = await stream.ReadAsync(buffer.AsMemory(0, (int)Math.Min(buffer.Length, length - body.Length)), ct).ConfigureAwait(false);
                if (n == 0) return null;
                body.Write(buffer, 0, n);
            }
        }
        request.Body = body.ToArray();
        return request;
    }

    // A chunked body is complete at its zero-size chunk and the empty line after any trailers.
    private static bool ChunkedComplete(byte[] data, int count)
    {
        var position = 0;
        while (true)
        {
            var lineEnd = IndexOf(data, count, position);
            if (lineEnd < 0) return false;
            var sizeText = Encoding.ASCII.GetString(data, position, lineEnd - position).Split(';')[0].Trim();
            if (!long.TryParse(sizeText, NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var size)) return false;
            position = lineEnd + 2;
            if (size == 0)
            {
                // trailers, then an empty line
                while (true)
                {
                    var trailerEnd = IndexOf(data, count, position);
                    if (trailerEnd < 0) return false;
                    if (trailerEnd == position) return true;
                    position = trailerEnd + 2;
                }
            }
            position += (int)size + 2;
            if (position > count) return false;
        }
    }

    private static int IndexOf(byte[] data, int count, int from)
    {
        for (var i = from; i + 1 < count; i++)
            if (data[i] == '\r' && data[i + 1] == '\n') return i;
        return -1;
    }
}

/// <summary>
/// A TCP endpoint that accepts connections and never answers (or, with <see cref="NoAccept"/>, never even completes
/// the handshake): what a firewalled or hung service looks like to a client.
/// </summary>
public sealed class BlackHole : IDisposable
{
    private readonly Socket _listener;
    private readonly List<Socket> _held = [];
    private readonly CancellationTokenSource _stop = new();

    private BlackHole(bool accept)
    {
        _listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        _listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        Port = ((IPEndPoint)_listener.LocalEndPoint!).Port;
        if (accept)
        {
            _listener.Listen(64);
            _ = Task.Run(async () =>
            {
                while (!_stop.IsCancellationRequested)
                {
                    try
                    {
                        var s = await _listener.AcceptAsync(_stop.Token);
                        lock (_held) _held.Add(s);
                    }
                    catch (Exception) { return; }
                }
            });
        }
        else
        {
            // A backlog of one, never accepted, filled by connections of our own: further handshakes get no answer.
            _listener.Listen(1);
            for (var i = 0; i < 4; i++)
            {
                var filler = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { Blocking = false };
                try { filler.Connect(new IPEndPoint(IPAddress.Loopback, Port)); } catch (SocketException) { }
                _held.Add(filler);
            }
            Thread.Sleep(100);
        }
    }

    /// <summary>Accepts connections and never answers a request.</summary>
    public static BlackHole Silent() => new(accept: true);

    /// <summary>Never completes a TCP handshake (a full, never-accepted backlog).</summary>
    public static BlackHole NoAccept() => new(accept: false);

    /// <summary>The port on 127.0.0.1.</summary>
    public int Port { get; }

    /// <summary><c>http://127.0.0.1:PORT</c>.</summary>
    public string Origin => $"http://127.0.0.1:{Port}";

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Dispose();
        lock (_held)
            foreach (var s in _held) s.Dispose();
    }
}
