using System.Globalization;
using System.Net;
using System.Net.Sockets;
using CloudStorage.Core.Addressing;
using CloudStorage.Core.Errors;

namespace CloudStorage.Providers.Common;

/// <summary>
/// The two timeouts every cloud provider's HTTP stack applies (options <c>connect-timeout</c> and <c>read-timeout</c>,
/// in seconds). The connect timeout bounds opening a TCP connection; the read timeout bounds any silence on an open
/// one: no request byte accepted, no answer started, no response byte arriving. Each attempt is bounded by them, so
/// with the default 4 retries a dead endpoint is given up on within about two minutes
/// (5 × 20 s plus the backoff delays).
/// </summary>
public sealed record HttpTimeouts
{
    /// <summary>The option naming the connect timeout, in seconds.</summary>
    public const string ConnectOption = "connect-timeout";

    /// <summary>The option naming the idle-read timeout, in seconds.</summary>
    public const string ReadOption = "read-timeout";

    /// <summary>Default connect timeout: 10 s.</summary>
    public static readonly TimeSpan DefaultConnect = TimeSpan.FromSeconds(10);

    /// <summary>Default read (idle) timeout: 20 s.</summary>
    public static readonly TimeSpan DefaultRead = TimeSpan.FromSeconds(20);

    /// <summary>How long opening a TCP connection may take.</summary>
    public TimeSpan Connect { get; init; } = DefaultConnect;

    /// <summary>How long a request may be silent: no byte sent or received.</summary>
    public TimeSpan Read { get; init; } = DefaultRead;

    /// <summary>Throws Configuration when a timeout is not positive or longer than an hour.</summary>
    public void Validate(string target)
    {
        if (Connect <= TimeSpan.Zero || Connect > TimeSpan.FromHours(1) || Read <= TimeSpan.Zero || Read > TimeSpan.FromHours(1))
            throw new StorageException(StorageErrorKind.Configuration,
                $"'{ConnectOption}' and '{ReadOption}' must be between 0 and 3600 seconds (given {Connect.TotalSeconds} and {Read.TotalSeconds}).", target);
    }

    /// <summary>
    /// Splits <paramref name="options"/> into the timeouts they set and the rest (names compared case-insensitively).
    /// A value that is not a positive number of seconds is a Configuration error naming the option.
    /// </summary>
    public static (HttpTimeouts Timeouts, Dictionary<string, string> Remaining) Split(IReadOnlyDictionary<string, string> options, string service, StorageUri uri)
    {
        var timeouts = new HttpTimeouts();
        var rest = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (name, value) in options)
        {
            if (name.Equals(ConnectOption, StringComparison.OrdinalIgnoreCase)) timeouts = timeouts with { Connect = Seconds(value, name, service, uri) };
            else if (name.Equals(ReadOption, StringComparison.OrdinalIgnoreCase)) timeouts = timeouts with { Read = Seconds(value, name, service, uri) };
            else rest[name] = value;
        }
        timeouts.Validate(uri.Original);
        return (timeouts, rest);
    }

    private static TimeSpan Seconds(string value, string name, string service, StorageUri uri) =>
        double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var s) && s > 0 && s <= 3600
            ? TimeSpan.FromSeconds(s)
            : throw new StorageException(StorageErrorKind.Configuration, $"{service} option '{name}' must be a number of seconds between 0 and 3600, not '{value}'.", uri.Original);

    /// <summary>
    /// An HTTP handler applying both timeouts: a <see cref="SocketsHttpHandler"/> whose connections are opened with
    /// the connect timeout, under a handler that cancels a request silent for longer than the read timeout.
    /// <paramref name="inner"/> replaces the sockets handler (tests), keeping the read timeout.
    /// </summary>
    public HttpMessageHandler CreateHandler(HttpMessageHandler? inner = null) =>
        new IdleTimeoutHandler(Read, Connect) { InnerHandler = inner ?? CreateSocketsHandler() };

    private SocketsHttpHandler CreateSocketsHandler()
    {
        var connect = Connect;
        return new SocketsHttpHandler
        {
            AutomaticDecompression = DecompressionMethods.None,
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            ConnectTimeout = connect + TimeSpan.FromSeconds(1), // the callback's own limit below speaks first, with the address
            ConnectCallback = async (context, ct) =>
            {
                var endpoint = context.DnsEndPoint;
                // The request that asked for this connection stops its read clock while the connection is opened: the
                // connect timeout alone bounds that, and a late timer on a busy machine cannot report it as silence.
                RequestClock.TryGet(context.InitialRequestMessage, out var clock);
                clock?.Pause();
                var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                using var limit = CancellationTokenSource.CreateLinkedTokenSource(ct);
                limit.CancelAfter(connect);
                try
                {
                    await socket.ConnectAsync(endpoint, limit.Token).ConfigureAwait(false);
                    clock?.Resume();
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch (OperationCanceledException) when (!ct.IsCancellationRequested)
                {
                    socket.Dispose();
                    var timeout = new HttpTimeoutException(
                        $"No connection to {endpoint.Host}:{endpoint.Port} within {Describe(connect)} ({ConnectOption}).");
                    clock?.ConnectFailed(timeout);
                    throw timeout;
                }
                catch
                {
                    socket.Dispose();
                    clock?.Resume();
                    throw;
                }
            },
        };
    }

    internal static string Describe(TimeSpan t) => t.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture) + " s";
}

/// <summary>A connect or read timeout of <see cref="HttpTimeouts"/>; the message names the address that went silent.</summary>
public sealed class HttpTimeoutException(string message, Exception? inner = null) : IOException(message, inner);

/// <summary>
/// One request's read clock (the watchdog of <see cref="IdleTimeoutHandler"/>), reachable from the connection callback
/// through the request's options: the connection a request opens pauses it, and a connect timeout is recorded so that
/// the request reports that rather than silence. Calls after <see cref="Close"/> (a connection attempt that outlives
/// its request) do nothing.
/// </summary>
internal sealed class RequestClock(CancellationTokenSource watchdog, TimeSpan idle)
{
    private static readonly HttpRequestOptionsKey<RequestClock> Key = new("CloudStorage.RequestClock");
    private readonly object _gate = new();
    private bool _closed;

    /// <summary>The connect timeout of the connection this request opened, if it had one.</summary>
    public HttpTimeoutException? ConnectFailure { get; private set; }

    public static void Attach(HttpRequestMessage request, RequestClock clock) => request.Options.Set(Key, clock);

    public static void Detach(HttpRequestMessage request) => ((IDictionary<string, object?>)request.Options).Remove(Key.Key);

    public static bool TryGet(HttpRequestMessage? request, out RequestClock? clock)
    {
        clock = null;
        return request is not null && request.Options.TryGetValue(Key, out clock);
    }

    /// <summary>Stops the clock (a connection is being opened for this request).</summary>
    public void Pause() => Set(Timeout.InfiniteTimeSpan);

    /// <summary>Starts the read timeout again (the connection opened, or failed for another reason).</summary>
    public void Resume() => Set(idle);

    /// <summary>Starts the read timeout again (a byte of the request went out).</summary>
    public void Restart() => Set(idle);

    /// <summary>Records the connect timeout and ends the request now.</summary>
    public void ConnectFailed(HttpTimeoutException timeout)
    {
        lock (_gate)
        {
            if (_closed) return;
            ConnectFailure = timeout;
            watchdog.Cancel();
        }
    }

    public void Close()
    {
        lock (_gate) _closed = true;
    }

    private void Set(TimeSpan delay)
    {
        lock (_gate)
        {
            if (!_closed) watchdog.CancelAfter(delay);
        }
    }
}

/// <summary>
/// Cancels a request when nothing moves for the read timeout: the timer restarts with every request body write and
/// every response body read, so a slow but steady transfer is never cut, a stalled one always is.
/// </summary>
internal sealed class IdleTimeoutHandler(TimeSpan idle, TimeSpan connect) : DelegatingHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var origin = Origin(request.RequestUri);
        using var watchdog = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        // A connection this request opens stops the clock while it connects (see RequestClock); one opened for another
        // request may take its connect timeout first; then silence is bounded by idle.
        var clock = new RequestClock(watchdog, idle);
        RequestClock.Attach(request, clock);
        watchdog.CancelAfter(connect + idle);
        var original = request.Content;
        if (original is not null) request.Content = new KickingContent(original, clock.Restart);
        HttpResponseMessage response;
        try
        {
            response = await base.SendAsync(request, watchdog.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is OperationCanceledException or HttpRequestException
                                  && !cancellationToken.IsCancellationRequested && watchdog.IsCancellationRequested)
        {
            // The connect timeout speaks for itself when it was this request's connection that did not open.
            if (clock.ConnectFailure is { } connectTimeout) throw new HttpTimeoutException(connectTimeout.Message, e);
            throw new HttpTimeoutException($"No answer from {origin} for {HttpTimeouts.Describe(idle)} ({HttpTimeouts.ReadOption}).", e);
        }
        finally
        {
            clock.Close();
            RequestClock.Detach(request);
            // Callers (the AWS SDK) may look at their content again; give theirs back.
            if (original is not null) request.Content = original;
        }
        response.Content = new IdleReadContent(response.Content, idle, origin);
        return response;
    }

    private static string Origin(Uri? uri) => uri is null ? "the server" : uri.GetLeftPart(UriPartial.Authority);

    private static void CopyHeaders(HttpContent from, HttpContent to)
    {
        foreach (var header in from.Headers) to.Headers.TryAddWithoutValidation(header.Key, header.Value);
    }

    /// <summary>The request body, restarting the watchdog with each write.</summary>
    private sealed class KickingContent : HttpContent
    {
        private readonly HttpContent _inner;
        private readonly Action _kick;

        public KickingContent(HttpContent inner, Action kick)
        {
            _inner = inner;
            _kick = kick;
            CopyHeaders(inner, this);
        }

        protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) =>
            SerializeToStreamAsync(stream, context, CancellationToken.None);

        protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken) =>
            _inner.CopyToAsync(new KickingStream(stream, _kick), context, cancellationToken);

        protected override void SerializeToStream(Stream stream, TransportContext? context, CancellationToken cancellationToken) =>
            _inner.CopyTo(new KickingStream(stream, _kick), context, cancellationToken);

        protected override bool TryComputeLength(out long length)
        {
            length = _inner.Headers.ContentLength ?? -1;
            return length >= 0;
        }
    }

    private sealed class KickingStream(Stream inner, Action kick) : Stream
    {
        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() => inner.Flush();
        public override Task FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count)
        {
            inner.Write(buffer, offset, count);
            kick();
        }

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            inner.Write(buffer);
            kick();
        }

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            await inner.WriteAsync(buffer, cancellationToken).ConfigureAwait(false);
            kick();
        }
    }

    /// <summary>The response body, each read bounded by the read timeout.</summary>
    private sealed class IdleReadContent : HttpContent
    {
        private readonly HttpContent _inner;
        private readonly TimeSpan _idle;
        private readonly string _origin;

        public IdleReadContent(HttpContent inner, TimeSpan idle, string origin)
        {
            _inner = inner;
            _idle = idle;
            _origin = origin;
            CopyHeaders(inner, this);
        }

        protected override async Task<Stream> CreateContentReadStreamAsync(CancellationToken cancellationToken) =>
            new IdleReadStream(await _inner.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false), _idle, _origin);

        protected override Task<Stream> CreateContentReadStreamAsync() => CreateContentReadStreamAsync(CancellationToken.None);

        protected override Stream CreateContentReadStream(CancellationToken cancellationToken) =>
            new IdleReadStream(_inner.ReadAsStream(cancellationToken), _idle, _origin);

        protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) =>
            SerializeToStreamAsync(stream, context, CancellationToken.None);

        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken)
        {
            await using var body = await CreateContentReadStreamAsync(cancellationToken).ConfigureAwait(false);
            await body.CopyToAsync(stream, cancellationToken).ConfigureAwait(false);
        }

        protected override bool TryComputeLength(out long length)
        {
            length = _inner.Headers.ContentLength ?? -1;
            return length >= 0;
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing) _inner.Dispose();
            base.Dispose(disposing);
        }
    }

    private sealed class IdleReadStream(Stream inner, TimeSpan idle, string origin) : Stream
    {
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => inner.Length;
        public override long Position { get => inner.Position; set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            limit.CancelAfter(idle);
            try
            {
                return await inner.ReadAsync(buffer, limit.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested)
            {
                throw new HttpTimeoutException($"The answer from {origin} stalled for {HttpTimeouts.Describe(idle)} ({HttpTimeouts.ReadOption}).", e);
            }
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing) inner.Dispose();
            base.Dispose(disposing);
        }
    }
}
