namespace CloudStorage.Core.Providers;

/// <summary>
/// Optional, on a stream <see cref="IStorageProvider.OpenReadAsync"/> returns: the version of the object its bytes
/// come from (an entity tag or a generation), so that a read continued or assembled from several requests refuses to
/// join bytes of two versions of an object that was replaced while it was read.
/// </summary>
public interface IReadVersion
{
    /// <summary>The version the answer named, or null when it did not say.</summary>
    string? Version { get; }
}

/// <summary>The one rule for joining bytes of several answers (a resumed read, parallel ranges): one version only.</summary>
internal static class ReadVersion
{
    /// <summary>The version <paramref name="body"/> names (<see cref="IReadVersion"/>), or null.</summary>
    public static string? Of(Stream body) => (body as IReadVersion)?.Version;

    /// <summary>
    /// A Conflict when both versions are known and differ — the object was replaced while it was read — else null.
    /// <paramref name="bytes"/> says which bytes came from <paramref name="actual"/> ("bytes 4096-8191").
    /// </summary>
    public static Errors.StorageException? Mismatch(string? expected, string? actual, string target, string? provider, string bytes) =>
        expected is null || actual is null || string.Equals(expected, actual, StringComparison.Ordinal)
            ? null
            : new Errors.StorageException(Errors.StorageErrorKind.Conflict,
                $"'{target}' changed while it was read: {bytes} come from version {actual}, the bytes before them from version {expected}. Nothing was joined; read it again.",
                target, provider);
}
