using CloudStorage.Core.Errors;
using CloudStorage.Providers.Resilience;

namespace CloudStorage.Providers.Tests.Composite;

/// <summary>The Polly circuit breaker each replica of a replicated provider gets.</summary>
public class ReplicaBreakerTests
{
    private sealed class ManualClock : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
        public override DateTimeOffset GetUtcNow() => Now;
    }

    private static Task<int> Fail(CancellationToken _) => throw new StorageException(StorageErrorKind.Transient, "down (simulated)");

    [Fact]
    public async Task Replica_breaker_opens_after_transient_failures_refuses_at_once_then_tries_again_after_the_break()
    {
        var clock = new ManualClock();
        var breaker = new PollyReplicaBreakerFactory(new ReplicaBreakerOptions { TimeProvider = clock }).Create("s3://b/", new Dictionary<string, string> { ["break-duration"] = "10" });
        var calls = 0;
        Task<int> Counted(CancellationToken ct) { calls++; return Fail(ct); }

        await Assert.ThrowsAsync<StorageException>(() => breaker.ExecuteAsync(Counted, default));
        Assert.False(breaker.IsOpen);
        await Assert.ThrowsAsync<StorageException>(() => breaker.ExecuteAsync(Counted, default));
        Assert.True(breaker.IsOpen);

        var refused = await Assert.ThrowsAsync<StorageException>(() => breaker.ExecuteAsync(Counted, default));
        Assert.Equal(2, calls);                       // not called while open
        Assert.True(refused.IsTransient);             // so a replicated read fails over
        Assert.Contains("s3://b/", refused.Message);

        clock.Now += TimeSpan.FromSeconds(11);
        Assert.Equal(42, await breaker.ExecuteAsync(_ => Task.FromResult(42), default)); // the trial call closes it
        Assert.False(breaker.IsOpen);
    }

    [Fact]
    public async Task Replica_breaker_counts_missing_objects_and_refusals_as_answers_not_failures()
    {
        var breaker = new PollyReplicaBreakerFactory().Create("s3://b/", new Dictionary<string, string>());
        for (var i = 0; i < 5; i++)
        {
            await Assert.ThrowsAsync<StorageException>(() => breaker.ExecuteAsync<int>(_ => throw new StorageException(StorageErrorKind.NotFound, "missing"), default));
            await Assert.ThrowsAsync<StorageException>(() => breaker.ExecuteAsync<int>(_ => throw new StorageException(StorageErrorKind.PermissionDenied, "denied"), default));
        }
        Assert.False(breaker.IsOpen);
    }

    [Fact]
    public void Replica_breaker_option_break_duration_is_checked()
    {
        var e = Assert.Throws<StorageException>(() => new PollyReplicaBreakerFactory().Create("s3://b/", new Dictionary<string, string> { ["break-duration"] = "soon" }));
        Assert.Equal(StorageErrorKind.Configuration, e.Kind);
    }
}
