using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace CloudStorage.Core.Providers.Local;

/// <summary>
/// Starts the kernel's write-back of a file's bytes while the rest is still arriving (Linux <c>sync_file_range</c>
/// with <c>SYNC_FILE_RANGE_WRITE</c>: asynchronous, it does not wait for the disk). The fsync before the rename still
/// makes the file durable; it then finds most pages already written instead of flushing the whole file at the end,
/// which for a large download was seconds of waiting after the last byte. Elsewhere, and where the call is refused,
/// it does nothing.
/// </summary>
internal sealed class EarlyWriteback(SafeFileHandle file, long step = EarlyWriteback.DefaultStep)
{
    /// <summary>Bytes between two write-back requests.</summary>
    public const long DefaultStep = 8L << 20;

    private const uint SyncFileRangeWrite = 2;
    private static bool _unavailable = !OperatingSystem.IsLinux();
    private long _requested;

    /// <summary>Asks for write-back of what was written since the last request, once <c>step</c> bytes have gathered.</summary>
    public void Written(long total)
    {
        if (_unavailable || total - _requested < step) return;
        try
        {
            if (sync_file_range((int)file.DangerousGetHandle(), _requested, total - _requested, SyncFileRangeWrite) == 0)
                _requested = total;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            _unavailable = true;
        }
    }

    [DllImport("libc", SetLastError = true)]
#pragma warning disable SYSLIB1054 // a DllImport keeps the project free of unsafe code (LibraryImport generates it)
    private static extern int sync_file_range(int fd, long offset, long nbytes, uint flags);
#pragma warning restore SYSLIB1054
}
