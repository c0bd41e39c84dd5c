namespace CloudStorage.Core.Transfer;

/// <summary>How to copy one object.</summary>
internal sealed record CopyRequest
{
    /// <summary>Replace an existing destination; without it an existing destination is AlreadyExists.</summary>
    public bool Overwrite { get; init; }

    /// <summary>Content type for the destination; null keeps the source's.</summary>
    public string? ContentType { get; init; }

    /// <summary>Metadata for the destination; null keeps the source's.</summary>
    public IReadOnlyDictionary<string, string>? Metadata { get; init; }

    /// <summary>Storage class or tier for the destination (S3 <c>STANDARD_IA</c>, ...); null leaves the provider's default.
    /// Unsupported when the destination has no storage classes.</summary>
    public string? StorageClass { get; init; }

    /// <summary>Tags for the destination; null sets none. Unsupported when the destination has no tags.</summary>
    public IReadOnlyDictionary<string, string>? Tags { get; init; }

    /// <summary>What to do with a metadata name or value the destination cannot hold (fail the object by default).</summary>
    public InvalidMetadataHandling InvalidMetadata { get; init; } = InvalidMetadataHandling.Fail;

    /// <summary>Let the provider copy without moving bytes through this process when it can.</summary>
    public bool AllowServerSideCopy { get; init; } = true;

    /// <summary>Record the source's modification time at the destination where the provider can (sync relies on it).</summary>
    public bool PreserveModifiedTime { get; init; } = true;
}

/// <summary>Engine-wide transfer settings.</summary>
internal sealed record TransferOptions
{
    /// <summary>Objects transferred at once by multi-object operations.</summary>
    public int Parallelism { get; init; } = 4;

    /// <summary>Buffer used when streaming between providers.</summary>
    public int BufferSize { get; init; } = 1 << 20;

    /// <summary>Bytes between two progress reports of one transfer.</summary>
    public long ProgressInterval { get; init; } = 1 << 20;

    /// <summary>
    /// Objects at least this large are read as parallel ranges when their provider declares
    /// <see cref="Providers.ProviderCapabilities.ParallelRangeReads"/> (network stores).
    /// </summary>
    public long ParallelReadThreshold { get; init; } = 32L << 20;

    /// <summary>Size of one range of a parallel read.</summary>
    public int ReadChunkSize { get; init; } = 4 << 20;

    /// <summary>Ranges of one object read at once; 1 turns parallel reads off.</summary>
    public int ReadParallelism { get; init; } = 4;
}
