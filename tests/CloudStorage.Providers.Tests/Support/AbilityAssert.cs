using CloudStorage.Core.Providers;
namespace CloudStorage.Providers.Tests.Support;

/// <summary>Compares two capability records: the same flags, and each ability present in both or in neither.</summary>
public static class AbilityAssert
{
    public static void SameAbilities(ProviderCapabilities inner, ProviderCapabilities outer)
    {
        Assert.Equal(inner.Copier is null, outer.Copier is null);
        Assert.Equal(inner.Presigner is null, outer.Presigner is null);
        Assert.Equal(inner.HashSource is null, outer.HashSource is null);
        Assert.Equal(inner.BatchDeleter is null, outer.BatchDeleter is null);
        Assert.Equal(inner.ExistenceProbe is null, outer.ExistenceProbe is null);
        Assert.Equal(inner.Hashes, outer.Hashes);
        Assert.Equal(inner.MaxPresignExpiry, outer.MaxPresignExpiry);
        Assert.Equal(inner with { Copier = null, Presigner = null, HashSource = null, BatchDeleter = null, ExistenceProbe = null },
            outer with { Copier = null, Presigner = null, HashSource = null, BatchDeleter = null, ExistenceProbe = null });
    }
}
