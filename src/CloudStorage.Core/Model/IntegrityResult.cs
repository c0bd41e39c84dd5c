namespace CloudStorage.Core.Model;

/// <summary>The verdict for one key.</summary>
public enum IntegrityStatus
{
    /// <summary>Same content.</summary>
    Match,
    /// <summary>Different content (or size).</summary>
    Mismatch,
    /// <summary>In the reference but not in the target.</summary>
    Missing,
    /// <summary>In the target but not in the reference.</summary>
    Extra,
    /// <summary>No common hash and no download allowed: could not decide.</summary>
    Unverifiable,
}

/// <summary>How the verdict was reached.</summary>
public enum IntegrityMethod
{
    /// <summary>Only existence or size was needed.</summary>
    None,
    /// <summary>A hash both providers report natively.</summary>
    NativeHash,
    /// <summary>A hash stored in the object's metadata at upload time.</summary>
    StoredHash,
    /// <summary>Both sides were streamed and hashed.</summary>
    Download,
}

/// <summary>The outcome of checking one object against its reference.</summary>
public sealed record IntegrityResult
{
    /// <summary>The checked object's address (for Missing: where it should be).</summary>
    public required string Uri { get; init; }
    /// <summary>The reference object's address (null for Extra).</summary>
    public string? ReferenceUri { get; init; }
    /// <summary>The key relative to the compared roots.</summary>
    public required string Key { get; init; }
    /// <summary>The verdict.</summary>
    public required IntegrityStatus Status { get; init; }
    /// <summary>How it was reached.</summary>
    public IntegrityMethod Method { get; init; }
    /// <summary>The algorithm compared, when a hash was.</summary>
    public HashAlgorithmKind? Algorithm { get; init; }
    /// <summary>The object's hash (hex), when compared.</summary>
    public string? Hash { get; init; }
    /// <summary>The reference's hash (hex), when compared.</summary>
    public string? ReferenceHash { get; init; }
    /// <summary>Size of the object, when it exists.</summary>
    public long? Size { get; init; }
    /// <summary>A human explanation ("sizes differ: 10 vs 12").</summary>
    public string Detail { get; init; } = "";

    /// <inheritdoc />
    public override string ToString() => $"{Status} {Key}";
}
