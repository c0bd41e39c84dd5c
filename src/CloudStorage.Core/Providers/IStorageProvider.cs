using CloudStorage.Core.Model;

namespace CloudStorage.Core.Providers;

/// <summary>
/// The contract every provider implements fully. Keys are '/'-separated, never start with '/', and are
/// validated by the provider (<see cref="Errors.StorageErrorKind.InvalidKey"/>). Every failure is a
/// <see cref="Errors.StorageException"/>. Optional abilities are separate interfaces
/// (<see cref="IServerSideCopier"/>, <see cref="IPresigner"/>, <see cref="IHashSource"/>, <see cref="IBatchDeleter"/>) announced in
/// <see cref="Capabilities"/>; the engine asks before it uses one.
/// </summary>
public interface IStorageProvider
{
    /// <summary>Display name (<c>mem://store</c>, <c>file:///srv/data</c>, or the registered name).</summary>
    string Name { get; }

    /// <summary>The prefix that, followed by a key, makes that key's canonical address (<c>mem://store/</c>, <c>backup:</c>).</summary>
    string AddressRoot { get; }

    /// <summary>What this provider can do beyond the required operations.</summary>
    ProviderCapabilities Capabilities { get; }

    /// <summary>
    /// Lists keys starting with <see cref="ListRequest.Prefix"/>, in ascending UTF-8 byte order of the key
    /// (<see cref="Addressing.KeyComparer"/>), each key once. With a delimiter, keys that contain it after the
    /// prefix are reported once per distinct prefix (up to and including the delimiter) as an entry with
    /// <see cref="StorageItem.IsPrefix"/> set, sorted among the objects. Pages are fetched lazily as the
    /// caller enumerates (<see cref="ListRequest.PageSize"/> is a hint), so stopping early stops fetching.
    /// A prefix that matches nothing yields nothing (it is not an error).
    /// </summary>
    IAsyncEnumerable<StorageItem> ListAsync(ListRequest request, CancellationToken cancellationToken = default);

    /// <summary>Returns the object's properties, or null when it does not exist. Never returns a prefix entry.</summary>
    Task<StorageItem?> StatAsync(string key, CancellationToken cancellationToken = default);

    /// <summary>
    /// Opens the object for reading, optionally only a byte range (clamped to the object's size). The caller
    /// disposes the stream. Throws NotFound when the object does not exist.
    /// </summary>
    Task<Stream> OpenReadAsync(string key, ByteRange? range = null, CancellationToken cancellationToken = default);

    /// <summary>
    /// Stores the stream's content (read to its end, length known or not) under the key, replacing any existing
    /// object, and returns the stored item. A reader never sees a partial object: on failure or cancellation
    /// the previous object (or its absence) remains. When <see cref="WriteOptions.ExpectedHashes"/> are given
    /// and the content does not match, nothing is stored and IntegrityFailure is thrown.
    /// </summary>
    Task<StorageItem> WriteAsync(string key, Stream content, WriteOptions options, CancellationToken cancellationToken = default);

    /// <summary>Deletes the object. Deleting a missing object succeeds.</summary>
    Task DeleteAsync(string key, CancellationToken cancellationToken = default);
}
