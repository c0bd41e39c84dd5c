using System.Globalization;
using System.Text;
using Azure.Core;
using Azure.Core.Pipeline;

namespace CloudStorage.Providers.Azure.Transport;

/// <summary>
/// SharedKey authorization of Blob service requests (the documented canonicalization for versions 2015-02-21 and
/// later): the verb, the standard headers, the <c>x-ms-</c> headers sorted by lowercase name, and the canonicalized
/// resource <c>/account/path</c> with each query parameter on a line of its own, names lowercased, values decoded.
/// For a path-style (emulator) endpoint the path repeats the account: <c>/devstoreaccount1/devstoreaccount1/container/blob</c>.
/// </summary>
internal static class AzureSharedKeySigner
{
    private static readonly string[] StandardHeaders =
    [
        "Content-Encoding", "Content-Language", "Content-Length", "Content-MD5", "Content-Type", "Date",
        "If-Modified-Since", "If-Match", "If-None-Match", "If-Unmodified-Since", "Range",
    ];

    /// <summary>The string to sign for a request.</summary>
    public static string StringToSign(string method, Func<string, string?> header, IEnumerable<KeyValuePair<string, string>> allHeaders,
        long? contentLength, Uri uri, string account)
    {
        var sb = new StringBuilder(256);
        sb.Append(method.ToUpperInvariant()).Append('\n');
        foreach (var name in StandardHeaders)
        {
            var value = name == "Content-Length"
                ? contentLength is > 0 ? contentLength.Value.ToString(CultureInfo.InvariantCulture) : ""
                : header(name) ?? "";
            sb.Append(value).Append('\n');
        }
        AppendCanonicalizedHeaders(sb, allHeaders);
        AppendCanonicalizedResource(sb, uri, account);
        return sb.ToString();
    }

    private static void AppendCanonicalizedHeaders(StringBuilder sb, IEnumerable<KeyValuePair<string, string>> headers)
    {
        var msHeaders = headers
            .Where(h => h.Key.StartsWith("x-ms-", StringComparison.OrdinalIgnoreCase))
            .Select(h => (Name: h.Key.ToLowerInvariant(), Value: h.Value.Trim()))
            .OrderBy(h => h.Name, StringComparer.Ordinal);
        foreach (var (name, value) in msHeaders) sb.Append(name).Append(':').Append(value).Append('\n');
    }

    private static void AppendCanonicalizedResource(StringBuilder sb, Uri uri, string account)
    {
        sb.Append('/').Append(account).Append(uri.AbsolutePath.Length > 0 ? uri.AbsolutePath : "/");
        var query = uri.Query.TrimStart('?');
        if (query.Length == 0) return;
        var parameters = new SortedDictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var pair in query.Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = pair.IndexOf('=');
            var name = Uri.UnescapeDataString(eq < 0 ? pair : pair[..eq]).ToLowerInvariant();
            var value = eq < 0 ? "" : Uri.UnescapeDataString(pair[(eq + 1)..]);
            if (!parameters.TryGetValue(name, out var values)) parameters[name] = values = [];
            values.Add(value);
        }
        foreach (var (name, values) in parameters)
        {
            values.Sort(StringComparer.Ordinal);
            sb.Append('\n').Append(name).Append(':').Append(string.Join(',', values));
        }
    }
}

/// <summary>Signs every attempt of a request with the account key (a fresh <c>x-ms-date</c> each time).</summary>
internal sealed class AzureSharedKeyPolicy(AzureSharedKeyCredential credential, TimeProvider? clock = null) : HttpPipelineSynchronousPolicy
{
    private readonly TimeProvider _clock = clock ?? TimeProvider.System;

    public override void OnSendingRequest(HttpMessage message)
    {
        var request = message.Request;
        request.Headers.SetValue("x-ms-date", _clock.GetUtcNow().ToString("R", CultureInfo.InvariantCulture));
        long? length = request.Content is { } content && content.TryComputeLength(out var n) ? n : null;
        var headers = request.Headers.Select(h => new KeyValuePair<string, string>(h.Name, h.Value)).ToList();
        var stringToSign = AzureSharedKeySigner.StringToSign(request.Method.Method,
            name => request.Headers.TryGetValue(name, out var v) ? v : null, headers, length, request.Uri.ToUri(), credential.AccountName);
        request.Headers.SetValue("Authorization", $"SharedKey {credential.AccountName}:{credential.Sign(stringToSign)}");
    }
}

/// <summary>Appends a SAS token to every request URL.</summary>
internal sealed class AzureSasPolicy(AzureSasCredential credential) : HttpPipelineSynchronousPolicy
{
    public override void OnSendingRequest(HttpMessage message)
    {
        var uri = message.Request.Uri;
        var query = uri.Query;
        if (query.Contains("sig=", StringComparison.Ordinal)) return; // already signed (a retried message)
        uri.Query = string.IsNullOrEmpty(query) || query == "?" ? "?" + credential.Query : query + "&" + credential.Query;
    }
}
