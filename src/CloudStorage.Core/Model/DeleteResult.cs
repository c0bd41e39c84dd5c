using CloudStorage.Core.Errors;

namespace CloudStorage.Core.Model;

/// <summary>What became of one key of a batch delete: deleted (or already absent), or the error it met.</summary>
public sealed record DeleteResult(string Key, StorageException? Error = null)
{
    /// <summary>True when the object is gone.</summary>
    public bool Succeeded => Error is null;
}
