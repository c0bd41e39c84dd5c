namespace CloudStorage.Core.Model;

/// <summary>A progress report for one transfer.</summary>
public readonly record struct TransferProgress(string Key, long BytesTransferred, long? TotalBytes)
{
    /// <summary>0-100, or -1 when the total is unknown.</summary>
    public int PercentComplete => TotalBytes is > 0 ? (int)Math.Min(100, BytesTransferred * 100 / TotalBytes.Value) : TotalBytes == 0 ? 100 : -1;
}
