using CloudStorage.Core.Transfer;

namespace CloudStorage.Core.Tests.Operations;

public class BoundedWorkQueueTests
{
    [Fact]
    public async Task Runs_items_in_parallel_but_never_more_than_the_bound()
    {
        int running = 0, peak = 0, done = 0;
        using var queue = new BoundedWorkQueue(3);
        for (var i = 0; i < 20; i++)
            await queue.EnqueueAsync(async () =>
            {
                var now = Interlocked.Increment(ref running);
                InterlockedMax(ref peak, now);
                await Task.Delay(15);
                Interlocked.Decrement(ref running);
                Interlocked.Increment(ref done);
            });
        await queue.DrainAsync();
        Assert.Equal(20, done);
        Assert.Equal(3, peak);
    }

    [Fact]
    public async Task A_failure_escaping_an_item_surfaces_from_Drain()
    {
        using var queue = new BoundedWorkQueue(2);
        await queue.EnqueueAsync(() => Task.FromException(new InvalidOperationException("boom")));
        await Assert.ThrowsAsync<InvalidOperationException>(() => queue.DrainAsync());
    }

    [Fact]
    public async Task Enqueue_waits_for_a_slot_and_honours_cancellation()
    {
        using var cts = new CancellationTokenSource();
        using var queue = new BoundedWorkQueue(1, cts.Token);
        var gate = new TaskCompletionSource();
        await queue.EnqueueAsync(() => gate.Task);
        var second = queue.EnqueueAsync(() => Task.CompletedTask);
        Assert.False(second.IsCompleted);
        cts.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => second);
        gate.SetResult();
    }

    private static void InterlockedMax(ref int target, int value)
    {
        int seen;
        while ((seen = Volatile.Read(ref target)) < value && Interlocked.CompareExchange(ref target, value, seen) != seen) { }
    }
}
