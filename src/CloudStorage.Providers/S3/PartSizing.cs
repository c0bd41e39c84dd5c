namespace CloudStorage.Providers.S3;

/// <summary>Chooses part sizes that keep an object within S3's 10,000 parts.</summary>
public static class PartSizing
{
    private const long MiB = 1024 * 1024;

    /// <summary>
    /// The part size for an object of <paramref name="length"/> bytes: at least <paramref name="minimum"/> (and 5 MiB),
    /// and large enough, in whole MiB, that the object needs at most 10,000 parts.
    /// </summary>
    public static long ForLength(long length, long minimum)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        var size = Math.Max(minimum, S3ProviderOptions.MinPartSize);
        var needed = (length + S3ProviderOptions.MaxParts - 1) / S3ProviderOptions.MaxParts;
        if (needed > size) size = (needed + MiB - 1) / MiB * MiB;
        if (size > S3ProviderOptions.MaxPartSize)
            throw new Errors.StorageException(Errors.StorageErrorKind.InvalidArgument,
                $"{length} bytes exceed what S3 stores in one object (10,000 parts of at most 5 GiB).");
        return size;
    }

    /// <summary>The number of parts of <paramref name="partSize"/> bytes an object of <paramref name="length"/> bytes needs (at least 1).</summary>
    public static int PartCount(long length, long partSize) => (int)Math.Max(1, (length + partSize - 1) / partSize);
}
