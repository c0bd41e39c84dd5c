namespace CloudStorage.Providers.Common;

/// <summary>One part of an upload as <see cref="PartUploadPipeline"/> hands it to a sink: its 1-based number, where it starts, its bytes (a pooled buffer, valid only until the call returns) and whether it is the last.</summary>
internal readonly record struct UploadPart(int Number, long Offset, ReadOnlyMemory<byte> Data, bool IsLast);

/// <summary>
/// Where <see cref="PartUploadPipeline"/> sends an object: one cloud's single request, or its multipart (S3), block (Azure)
/// or chunk (GCS) protocol. A sink holds no buffers, reads no source and does no retrying of single parts: the pipeline
/// does. It may be called for parts concurrently (up to the pipeline's concurrency), never before <see cref="BeginAsync"/>
/// has returned and never after <see cref="CompleteAsync"/> or <see cref="AbortAsync"/>.
/// </summary>
/// <typeparam name="TPart">What the service answers for a part (an ETag, a block id), handed back in order at completion.</typeparam>
/// <typeparam name="TResult">What the finished upload returns to the provider.</typeparam>
internal interface IPartUploadSink<TPart, TResult>
{
    /// <summary>Names the single request in retry lines (<c>PutObject</c>, <c>PutBlob</c>).</summary>
    string SingleOperation { get; }

    /// <summary>Names a part request in retry lines (<c>UploadPart</c>, <c>PutBlock</c>).</summary>
    string PartOperation { get; }

    /// <summary>The whole object in one request (the hashes are final and checked). Sent again on transient failures, so it must replace the object whole.</summary>
    Task<TResult> PutSingleAsync(ReadOnlyMemory<byte> data, UploadHasher hasher, CancellationToken ct);

    /// <summary>Starts a multipart upload (CreateMultipartUpload); called once, before the first part. <paramref name="hasher"/> knows the caller's promised hashes only.</summary>
    Task BeginAsync(UploadHasher hasher, CancellationToken ct);

    /// <summary>Sends one part; sent again on transient failures.</summary>
    Task<TPart> UploadPartAsync(UploadPart part, CancellationToken ct);

    /// <summary>Commits the parts in order (their hashes final and checked); retrying the commit is the sink's business.</summary>
    Task<TResult> CompleteAsync(IReadOnlyList<TPart> parts, UploadHasher hasher, CancellationToken ct);

    /// <summary>Best effort: discards what <see cref="BeginAsync"/> started. Runs after a failure or cancellation, on its own time limit; never throws.</summary>
    Task AbortAsync();
}
