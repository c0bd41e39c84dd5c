using CloudStorage.Core.Addressing;
using CloudStorage.Core.Providers;

namespace CloudStorage.Providers.Tests.Cmdlets;

/// <summary>
/// A real provider factory with options preset for plain scheme addresses (<c>s3://bucket/...</c>), as a user's
/// environment would give them (endpoint variables, a profile): registrations' own options still win.
/// </summary>
public sealed class PresetOptionsFactory(IProviderFactory inner, IReadOnlyDictionary<string, string> presets) : IProviderFactory
{
    public string Scheme => inner.Scheme;

    public IStorageProvider Create(StorageUri uri, IReadOnlyDictionary<string, string> options)
    {
        var merged = new Dictionary<string, string>(presets, StringComparer.OrdinalIgnoreCase);
        foreach (var (name, value) in options) merged[name] = value;
        return inner.Create(uri, merged);
    }
}
