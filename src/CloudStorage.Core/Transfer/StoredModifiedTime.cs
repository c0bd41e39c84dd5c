using System.Globalization;
using CloudStorage.Core.Model;

namespace CloudStorage.Core.Transfer;

/// <summary>
/// The source's modification time kept in user metadata where a store cannot set its own (S3, Azure), in the
/// conventions of the tools users already have, so objects they wrote are recognised and they recognise ours:
/// rclone's <c>mtime</c> (S3: seconds since the epoch with nine decimals, <c>swift.TimeToFloatString</c>; Azure and GCS:
/// RFC 3339 with nanoseconds) and gsutil's <c>goog-reserved-file-mtime</c> (whole seconds since the epoch).
/// </summary>
public static class StoredModifiedTime
{
    /// <summary>rclone's metadata key.</summary>
    public const string RcloneKey = "mtime";

    /// <summary>gsutil's and gcloud storage's metadata key.</summary>
    public const string GsutilKey = "goog-reserved-file-mtime";

    /// <summary>rclone's S3 key for the whole-object MD5 of a multipart upload (base64).</summary>
    public const string RcloneMd5Key = "md5chksum";

    /// <summary>The stored modification time in <paramref name="metadata"/>, or null (rclone's first, then gsutil's).</summary>
    public static DateTimeOffset? Get(IReadOnlyDictionary<string, string> metadata)
    {
        if (metadata.TryGetValue(RcloneKey, out var text) && Parse(text) is { } t) return t;
        if (metadata.TryGetValue(GsutilKey, out var g)
            && long.TryParse(g.Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var seconds)
            && seconds is > -62135596800 and < 253402300800)
            return DateTimeOffset.FromUnixTimeSeconds(seconds);
        return null;
    }

    /// <summary>The object's modification time: the stored one when its metadata has it, else its LastModified.</summary>
    public static DateTimeOffset? Of(StorageItem item) => Get(item.Metadata) ?? item.LastModified;

    /// <summary>rclone's <c>mtime</c> text in either of its forms: RFC 3339, or seconds since the epoch with a fraction.</summary>
    public static DateTimeOffset? Parse(string? text)
    {
        if (string.IsNullOrWhiteSpace(text)) return null;
        text = text.Trim();
        if (text.Contains('T') || text.Contains('-') && text.IndexOf('-') > 0)
            return DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var t) ? t.ToUniversalTime() : null;
        var parts = text.Split('.', 2);
        if (!long.TryParse(parts[0], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var s) || s is < -62135596800 or > 253402300799) return null;
        long ticks = 0;
        if (parts.Length == 2)
        {
            var digits = parts[1];
            if (digits.Length == 0 || !digits.All(char.IsAsciiDigit)) return null;
            // 100 ns ticks: the first seven decimals.
            ticks = long.Parse(digits.Length >= 7 ? digits[..7] : digits.PadRight(7, '0'), CultureInfo.InvariantCulture);
        }
        return DateTimeOffset.FromUnixTimeSeconds(s).AddTicks(s < 0 ? -ticks : ticks);
    }

    /// <summary>rclone's S3 form: seconds since the epoch, a dot, nine decimals.</summary>
    public static string FormatUnixSeconds(DateTimeOffset time)
    {
        var utc = time.ToUniversalTime();
        var seconds = utc.ToUnixTimeSeconds();
        var ticks = (utc - DateTimeOffset.FromUnixTimeSeconds(seconds)).Ticks;
        return seconds.ToString(CultureInfo.InvariantCulture) + "." + (ticks * 100).ToString("D9", CultureInfo.InvariantCulture);
    }

    /// <summary>rclone's Azure/GCS form: RFC 3339 in UTC with nine decimals.</summary>
    public static string FormatRfc3339Nano(DateTimeOffset time) =>
        time.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff", CultureInfo.InvariantCulture) + "00Z";

    /// <summary>gsutil's form: whole seconds since the epoch.</summary>
    public static string FormatGsutil(DateTimeOffset time) => time.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);

    /// <summary>
    /// True for the metadata names a store keeps for its own bookkeeping (modification times, stored hashes): a copy
    /// does not carry them as user metadata, the destination writes its own from the copy's time and hashes.
    /// </summary>
    public static bool IsBookkeeping(string name) =>
        name.Equals(RcloneKey, StringComparison.OrdinalIgnoreCase)
        || name.Equals(GsutilKey, StringComparison.OrdinalIgnoreCase)
        || name.Equals(RcloneMd5Key, StringComparison.OrdinalIgnoreCase)
        || name.StartsWith(StoredHashes.Prefix, StringComparison.OrdinalIgnoreCase);

    /// <summary>The user's own metadata: <paramref name="metadata"/> without the bookkeeping names.</summary>
    public static IReadOnlyDictionary<string, string> UserOnly(IReadOnlyDictionary<string, string> metadata)
    {
        if (!metadata.Keys.Any(IsBookkeeping)) return metadata;
        var result = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (name, value) in metadata)
            if (!IsBookkeeping(name)) result[name] = value;
        return result;
    }
}
