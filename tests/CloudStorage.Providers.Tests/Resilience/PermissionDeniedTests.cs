using CloudStorage.Core.Errors;
using CloudStorage.Providers.Resilience;
using CloudStorage.Providers.Tests.Support;

namespace CloudStorage.Providers.Tests.Resilience;

// "Never retry PermissionDenied" is the resilience layer's own rule, not only the mappers': a denial is not retried
// even when whoever raised it marked it transient.
public sealed class PermissionDeniedTests
{
    private static StorageException DeniedButMarkedTransient() =>
        new(StorageErrorKind.PermissionDenied, "denied (marked transient)", "k.txt", "flaky", isTransient: true);

    [Fact]
    public void A_PermissionDenied_is_never_retryable_even_when_marked_transient()
    {
        Assert.False(StorageResilience.IsRetryable(DeniedButMarkedTransient()));
        Assert.True(StorageResilience.IsRetryable(new StorageException(StorageErrorKind.Transient, "busy", "k.txt")));
    }

    [Fact]
    public async Task The_resilience_layer_makes_one_call_for_a_PermissionDenied_marked_transient()
    {
        var flaky = new FlakyProvider();
        flaky.Fail("Stat", DeniedButMarkedTransient(), DeniedButMarkedTransient());
        var clock = new InstantTimeProvider();
        var provider = new ResilientStorageProvider(flaky, new StorageResilienceOptions { TimeProvider = clock, MaxRetryAttempts = 3 });

        var e = await Assert.ThrowsAsync<StorageException>(() => provider.StatAsync("k.txt"));

        Assert.Equal(StorageErrorKind.PermissionDenied, e.Kind);
        Assert.Equal(1, flaky.Calls("Stat"));
        Assert.Empty(clock.Delays);
    }
}
