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
