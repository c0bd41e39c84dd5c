namespace CloudStorage.Providers.Azure.Transport;

/// <summary>A blob's properties as the Blob service reports them (Get Blob Properties, Get Blob, List Blobs).</summary>
internal sealed record AzureBlobProperties
{
    public long ContentLength { get; init; }
    public string? ContentType { get; init; }
    public string? ContentEncoding { get; init; }
    public string? ContentLanguage { get; init; }
    public string? ContentDisposition { get; init; }
    public string? CacheControl { get; init; }
    /// <summary>The stored whole-blob MD5 (Content-MD5), when the blob has one.</summary>
    public byte[]? ContentMd5 { get; init; }
    /// <summary>The ETag, always in its quoted header form.</summary>
    public string? ETag { get; init; }
    public DateTimeOffset? LastModified { get; init; }
    public IReadOnlyDictionary<string, string> Metadata { get; init; } = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
    public string? AccessTier { get; init; }
    public string? BlobType { get; init; }
    public string? CopyId { get; init; }
    public string? CopyStatus { get; init; }
    public string? CopyStatusDescription { get; init; }

    /// <summary>An ETag in its quoted header form (listings report it bare).</summary>
    public static string? QuoteETag(string? etag) =>
        string.IsNullOrEmpty(etag) ? null : etag.StartsWith('"') ? etag : "\"" + etag + "\"";
}

/// <summary>One entry of a List Blobs page: a blob with its properties, or a prefix.</summary>
internal sealed record AzureListEntry(string Name, bool IsPrefix, AzureBlobProperties? Properties);

/// <summary>One List Blobs page, entries in the order the service sent them.</summary>
internal sealed record AzureListPage(IReadOnlyList<AzureListEntry> Entries, string? NextMarker);

/// <summary>What a write stores besides the bytes.</summary>
internal sealed record AzureBlobWriteHeaders
{
    public string ContentType { get; init; } = "application/octet-stream";
    public byte[]? ContentMd5 { get; init; }
    public string? ContentEncoding { get; init; }
    public string? ContentLanguage { get; init; }
    public string? ContentDisposition { get; init; }
    public string? CacheControl { get; init; }
    public IReadOnlyDictionary<string, string>? Metadata { get; init; }
    public string? AccessTier { get; init; }
    public IReadOnlyDictionary<string, string>? Tags { get; init; }
}

/// <summary>A user-delegation key (Get User Delegation Key), the signing key of user-delegation SAS.</summary>
internal sealed record AzureUserDelegationKey
{
    public required string SignedObjectId { get; init; }
    public required string SignedTenantId { get; init; }
    public required string SignedStart { get; init; }
    public required string SignedExpiry { get; init; }
    public required string SignedService { get; init; }
    public required string SignedVersion { get; init; }
    /// <summary>The base64 key; never printed.</summary>
    public required string Value { get; init; }
    public DateTimeOffset ExpiresOn { get; init; }

    public override string ToString() => $"UserDelegationKey(oid={SignedObjectId}, expires {SignedExpiry})";
}
