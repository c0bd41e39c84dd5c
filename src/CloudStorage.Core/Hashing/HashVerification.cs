using CloudStorage.Core.Errors;
using CloudStorage.Core.Model;

namespace CloudStorage.Core.Hashing;

/// <summary>Compares expected hashes with computed ones.</summary>
public static class HashVerification
{
    /// <summary>Throws IntegrityFailure when an expected hash has a computed counterpart that differs.</summary>
    public static void Verify(IReadOnlyList<ContentHash>? expected, IReadOnlyList<ContentHash> actual, string target, string provider)
    {
        if (expected is null) return;
        foreach (var e in expected)
        {
            var a = actual.FirstOrDefault(h => h.Algorithm == e.Algorithm);
            if (a is not null && !a.Equals(e))
                throw new StorageException(StorageErrorKind.IntegrityFailure,
                    $"{e.Algorithm} of '{target}' is {a.Hex}, expected {e.Hex}; nothing was stored.", target, provider);
        }
    }
}
