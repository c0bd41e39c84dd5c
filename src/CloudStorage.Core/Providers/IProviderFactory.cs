using CloudStorage.Core.Addressing;

namespace CloudStorage.Core.Providers;

/// <summary>Creates providers for one URI scheme (the cloud provider packages register theirs).</summary>
public interface IProviderFactory
{
    /// <summary>The scheme served, lowercase (<c>s3</c>, <c>gs</c>, <c>az</c>).</summary>
    string Scheme { get; }

    /// <summary>
    /// A provider for the bucket/container in <paramref name="uri"/>. <paramref name="options"/> come from a
    /// registration (region, endpoint, profile, ...); credentials come from the cloud's standard places.
    /// </summary>
    IStorageProvider Create(StorageUri uri, IReadOnlyDictionary<string, string> options);
}
