using CloudStorage.Core.Errors;

namespace CloudStorage.Providers.Common;

/// <summary>The part size rule every multipart upload or copy shares: at least a minimum, and large enough (in whole MiB) to stay within the service's part count.</summary>
internal static class PartSizes
{
    private const long MiB = 1024 * 1024;

    /// <summary>
    /// The part size for <paramref name="length"/> bytes: at least <paramref name="minimum"/> and <paramref name="floor"/>, grown
    /// in whole MiB until <paramref name="maxParts"/> parts hold the object (a ceiling, never a floor division); InvalidArgument,
    /// saying <paramref name="limit"/>, when that exceeds <paramref name="maxPartSize"/>.
    /// </summary>
    public static long ForLength(long length, long minimum, long floor, int maxParts, long maxPartSize, string limit)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        var size = Math.Max(minimum, floor);
        var needed = (length + maxParts - 1) / maxParts;
        if (needed > size) size = (needed + MiB - 1) / MiB * MiB;
        if (size > maxPartSize)
            throw new StorageException(StorageErrorKind.InvalidArgument, $"{length} bytes exceed what {limit}.");
        return size;
    }
}
