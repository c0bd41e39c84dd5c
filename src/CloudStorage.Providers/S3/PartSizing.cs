namespace CloudStorage.Providers.S3;

/// <summary>Chooses part sizes that keep an object within S3's 10,000 parts.</summary>
public static class PartSizing
{
    /// <summary>
    /// The part size for an object of <paramref name="length"/> bytes: at least <paramref name="minimum"/> (and 5 MiB),
    /// and large enough, in whole MiB, that the object needs at most 10,000 parts.
    /// </summary>
    public static long ForLength(long length, long minimum) =>
        Common.PartSizes.ForLength(length, minimum, S3ProviderOptions.MinPartSize, S3ProviderOptions.MaxParts, S3ProviderOptions.MaxPartSize,
            "S3 stores in one object (10,000 parts of at most 5 GiB)");

    /// <summary>The number of parts of <paramref name="partSize"/> bytes an object of <paramref name="length"/> bytes needs (at least 1).</summary>
    public static int PartCount(long length, long partSize) => (int)Math.Max(1, (length + partSize - 1) / partSize);
}
