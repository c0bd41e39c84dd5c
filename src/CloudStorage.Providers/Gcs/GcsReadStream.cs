using System.Net;
using CloudStorage.Core.Errors;
using CloudStorage.Core.Providers;
using CloudStorage.Providers.Common;

namespace CloudStorage.Providers.Gcs;

/// <summary>
/// The body of a media download (objects.get with alt=media, sent through the SDK's StorageService HTTP client). When a server answered a range request with the whole object (200 instead of 206,
/// as HTTP allows), the bytes before the range are skipped and the rest is cut at the range's end. A body that ends
/// before the length the answer promised (its Content-Range, else its Content-Length) is a transient IntegrityFailure,
/// never data; read failures leave as StorageExceptions. Disposing it releases the response.
/// </summary>
internal sealed class GcsReadStream : ReadOnlyStream, IReadVersion
{
    private readonly HttpResponseMessage _response;
    private readonly Stream _body;
    private readonly string _target;
    private readonly string _provider;
    private long _skip;
    private long? _remaining;
    private long _handedOut;
    private readonly long? _expected;

    private GcsReadStream(HttpResponseMessage response, Stream body, long skip, long? limit, long? expected, string target, string provider)
    {
        _response = response;
        _body = body;
        _skip = skip;
        _remaining = limit;
        _expected = expected;
        _target = target;
        _provider = provider;
    }

    /// <summary>
    /// A stream over <paramref name="response"/>: <paramref name="skip"/> bytes skipped, at most <paramref name="limit"/>
    /// handed out; <paramref name="range"/> is what was asked for (null: the whole object).
    /// </summary>
    public static async Task<GcsReadStream> OpenAsync(HttpResponseMessage response, Core.Model.ByteRange? range, long skip, long? limit,
        string target, string provider, CancellationToken ct)
    {
        var declared = response.Content.Headers.ContentLength;
        long? expected = null;
        if (response.StatusCode == HttpStatusCode.PartialContent && range is { } r && response.Content.Headers.ContentRange?.Length is { } total)
        {
            expected = r.Resolve(total).Count;
            if (declared is { } d && d < expected)
                throw ShortBody.Error(d, expected.Value, target, provider);
        }
        else if (declared is { } d)
        {
            var after = Math.Max(0, d - skip);
            expected = limit is { } l ? Math.Min(after, l) : after;
        }
        try
        {
            return new GcsReadStream(response, await response.Content.ReadAsStreamAsync(ct).ConfigureAwait(false), skip, limit, expected, target, provider);
        }
        catch (Exception e) when (GcsErrorMapper.Map(e, target, provider, ct) is { } mapped)
        {
            throw mapped;
        }
    }

    /// <summary>The object's generation as this answer gave it (x-goog-generation), else its ETag.</summary>
    public string? Version =>
        _response.Headers.TryGetValues("x-goog-generation", out var generation) && generation.FirstOrDefault() is { Length: > 0 } g ? g
        : _response.Headers.ETag?.Tag;

    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        try
        {
            var n = await ReadCoreAsync(buffer, cancellationToken).ConfigureAwait(false);
            _handedOut += n;
            if (n == 0 && buffer.Length > 0 && _expected is { } e && _handedOut < e)
                throw ShortBody.Error(_handedOut, e, _target, _provider);
            return n;
        }
        catch (Exception error) when (GcsErrorMapper.Map(error, _target, _provider, cancellationToken) is { } mapped)
        {
            throw mapped;
        }
    }

    private async ValueTask<int> ReadCoreAsync(Memory<byte> buffer, CancellationToken cancellationToken)
    {
        if (buffer.Length == 0) return 0;
        if (_skip > 0)
        {
            var scratch = new byte[(int)Math.Min(_skip, 81920)];
            while (_skip > 0)
            {
                var n = await _body.ReadAsync(scratch.AsMemory(0, (int)Math.Min(_skip, scratch.Length)), cancellationToken).ConfigureAwait(false);
                if (n == 0) { _skip = 0; _remaining = 0; return 0; }
                _skip -= n;
            }
        }
        if (_remaining is 0) return 0;
        var max = _remaining is { } r ? (int)Math.Min(buffer.Length, r) : buffer.Length;
        var read = await _body.ReadAsync(buffer[..max], cancellationToken).ConfigureAwait(false);
        if (_remaining is not null) _remaining -= read;
        return read;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _body.Dispose();
            _response.Dispose();
        }
        base.Dispose(disposing);
    }
}
