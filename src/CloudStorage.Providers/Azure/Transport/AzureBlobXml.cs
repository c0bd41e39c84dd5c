using System.Globalization;
using System.Xml.Linq;

namespace CloudStorage.Providers.Azure.Transport;

/// <summary>Reads the Blob service's XML answers (List Blobs, user-delegation keys) and its date and MD5 formats.</summary>
internal static class AzureBlobXml
{
    /// <summary>A List Blobs page: blobs and prefixes in document order, names decoded where the service encoded them.</summary>
    public static AzureListPage ParseListPage(XDocument doc)
    {
        var root = doc.Root ?? throw new FormatException("List Blobs answered an empty document.");
        var entries = new List<AzureListEntry>();
        foreach (var element in root.Element("Blobs")?.Elements() ?? [])
        {
            var name = DecodeName(element.Element("Name"));
            if (name is null) continue;
            if (element.Name.LocalName == "BlobPrefix")
            {
                entries.Add(new AzureListEntry(name, true, null));
                continue;
            }
            if (element.Name.LocalName != "Blob") continue;
            // Snapshots and versions are not listed (include=snapshots,versions is never asked for).
            var p = element.Element("Properties");
            string? Get(string n) => p?.Element(n)?.Value is { Length: > 0 } v ? v : null;
            var metadata = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            foreach (var m in element.Element("Metadata")?.Elements() ?? [])
                if (m.Name.LocalName != "Encrypted") metadata[m.Name.LocalName] = m.Value;
            entries.Add(new AzureListEntry(name, false, new AzureBlobProperties
            {
                ContentLength = long.TryParse(Get("Content-Length"), NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : 0,
                ContentType = Get("Content-Type"),
                ContentEncoding = Get("Content-Encoding"),
                ContentLanguage = Get("Content-Language"),
                ContentDisposition = Get("Content-Disposition"),
                CacheControl = Get("Cache-Control"),
                ContentMd5 = Md5(Get("Content-MD5")),
                ETag = AzureBlobProperties.QuoteETag(Get("Etag")),
                LastModified = HttpDate(Get("Last-Modified")),
                Metadata = metadata,
                AccessTier = Get("AccessTier"),
                BlobType = Get("BlobType"),
                CopyId = Get("CopyId"),
                CopyStatus = Get("CopyStatus"),
            }));
        }
        var next = root.Element("NextMarker")?.Value;
        return new AzureListPage(entries, string.IsNullOrEmpty(next) ? null : next);
    }

    // Names with characters XML cannot carry come percent-encoded, flagged Encoded="true".
    private static string? DecodeName(XElement? name)
    {
        if (name is null) return null;
        return (string?)name.Attribute("Encoded") == "true" ? Uri.UnescapeDataString(name.Value) : name.Value;
    }

    public static AzureUserDelegationKey ParseUserDelegationKey(XDocument doc)
    {
        var root = doc.Root ?? throw new FormatException("Get User Delegation Key answered an empty document.");
        string Get(string n) => root.Element(n)?.Value ?? throw new FormatException($"The user delegation key has no {n}.");
        var expiry = Get("SignedExpiry");
        return new AzureUserDelegationKey
        {
            SignedObjectId = Get("SignedOid"),
            SignedTenantId = Get("SignedTid"),
            SignedStart = Get("SignedStart"),
            SignedExpiry = expiry,
            SignedService = Get("SignedService"),
            SignedVersion = Get("SignedVersion"),
            Value = Get("Value"),
            ExpiresOn = DateTimeOffset.Parse(expiry, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal),
        };
    }

    /// <summary>A base64 MD5 of 16 bytes, or null.</summary>
    public static byte[]? Md5(string? base64)
    {
        if (string.IsNullOrWhiteSpace(base64)) return null;
        Span<byte> buffer = stackalloc byte[32];
        return Convert.TryFromBase64String(base64.Trim(), buffer, out var n) && n == 16 ? buffer[..16].ToArray() : null;
    }

    /// <summary>An RFC 1123 date (<c>Wed, 23 Oct 2013 22:41:55 GMT</c>).</summary>
    public static DateTimeOffset? HttpDate(string? value) =>
        value is not null && DateTimeOffset.TryParseExact(value.Trim(), "r", CultureInfo.InvariantCulture,
            DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var d) ? d : null;

    /// <summary>The ISO 8601 UTC form SAS and key requests use, to the second (<c>2025-01-02T03:04:05Z</c>).</summary>
    public static string SasTime(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
}
