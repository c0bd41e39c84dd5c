namespace CloudStorage.Providers.Common;

/// <summary>Reads an upload's source stream part by part (S3 parts, Azure blocks, GCS chunks).</summary>
internal static class UploadSource
{
    /// <summary>Reads until <paramref name="buffer"/> is full or the stream ends; the number of bytes read.</summary>
    public static async Task<int> FillAsync(Stream content, Memory<byte> buffer, CancellationToken ct)
    {
        var filled = 0;
        while (filled < buffer.Length)
        {
            var n = await content.ReadAsync(buffer[filled..], ct).ConfigureAwait(false);
            if (n == 0) break;
            filled += n;
        }
        return filled;
    }

    /// <summary>True when the stream has at least one more byte (which is consumed).</summary>
    public static async Task<bool> HasMoreAsync(Stream content, CancellationToken ct)
    {
        var probe = new byte[1];
        return await content.ReadAsync(probe, ct).ConfigureAwait(false) > 0;
    }

    /// <summary>Raises <paramref name="target"/> to <paramref name="value"/> when that is higher, safely across threads (peak in-flight counts).</summary>
    public static void InterlockedMax(ref int target, int value)
    {
        int seen;
        while (value > (seen = Volatile.Read(ref target)) && Interlocked.CompareExchange(ref target, value, seen) != seen) { }
    }
}
