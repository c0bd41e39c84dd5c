using System.Globalization;
using System.Text.RegularExpressions;

namespace CloudStorage.Providers.Common;

/// <summary>Parses sizes written as <c>8388608</c>, <c>16MiB</c>, <c>5MB</c>, <c>1.5GiB</c> (KB/MB/GB are powers of 1024, as S3 documents them).</summary>
internal static partial class ByteSize
{
    [GeneratedRegex(@"^\s*(?<n>\d+(\.\d+)?)\s*(?<u>[KMGT]?)(i?B)?\s*$", RegexOptions.IgnoreCase)]
    private static partial Regex Pattern();

    public static bool TryParse(string text, out long bytes)
    {
        bytes = 0;
        var m = Pattern().Match(text ?? "");
        if (!m.Success) return false;
        var n = double.Parse(m.Groups["n"].Value, CultureInfo.InvariantCulture);
        var factor = m.Groups["u"].Value.ToUpperInvariant() switch
        {
            "K" => 1L << 10,
            "M" => 1L << 20,
            "G" => 1L << 30,
            "T" => 1L << 40,
            _ => 1L,
        };
        var value = n * factor;
        if (value > long.MaxValue) return false;
        bytes = (long)Math.Round(value);
        return true;
    }
}
