using CloudStorage.Addressing;

namespace CloudStorage.Tests.PowerShell.Support;

/// <summary>
/// A test that needs the real local-disk provider. It is skipped, with the reason, while this branch still has
/// the placeholder provider (which throws NotSupportedException); it runs once the local provider is merged.
/// </summary>
public sealed class LocalFactAttribute : FactAttribute
{
    private static readonly Lazy<bool> Available = new(Probe);

    public LocalFactAttribute()
    {
        if (!Available.Value) Skip = "The local provider on this branch is still the placeholder; runs after the local provider is merged.";
    }

    private static bool Probe()
    {
        try
        {
            var location = new ProviderRegistry().Resolve(Path.Combine(Path.GetTempPath(), "cloudstorage-probe-" + Guid.NewGuid().ToString("N")));
            location.Provider.StatAsync(location.Key).GetAwaiter().GetResult();
            return true;
        }
        catch (NotSupportedException)
        {
            return false;
        }
    }
}
