using System.Management.Automation;
using CloudStorage.Core.Errors;
using CloudStorage.PowerShell.Infrastructure;
using CloudStorage.PowerShell.Tests.Support;

namespace CloudStorage.PowerShell.Tests.Infrastructure;

public class AsyncPumpTests
{
    [Fact]
    public void Every_context_call_from_the_worker_runs_on_the_calling_thread()
    {
        var ctx = new RecordingContext();
        var workerThreads = new HashSet<int>();
        AsyncPump.Run(ctx, async (c, ct) =>
        {
            await Task.Yield();
            workerThreads.Add(Environment.CurrentManagedThreadId);
            c.WriteObject(1);
            c.WriteVerbose("v");
            c.WriteWarning("w");
            c.WriteError(ErrorRecords.Create(StorageErrorKind.NotFound, "x", "t"));
            c.WriteProgress(new StorageProgressRecord(1, "a", "s", 50));
            c.ShouldProcess("t", "a");
            await Task.Delay(1, ct);
            c.WriteObject(2);
        });
        Assert.Equal([Environment.CurrentManagedThreadId], ctx.Threads);
        Assert.DoesNotContain(Environment.CurrentManagedThreadId, workerThreads);
        Assert.Equal([1, 2], ctx.Output.Cast<int>());
        Assert.Single(ctx.Errors);
        Assert.Single(ctx.Progress);
    }

    [Fact]
    public void Output_keeps_its_order_beyond_the_queue_capacity()
    {
        var ctx = new RecordingContext();
        var count = AsyncPump.QueueCapacity * 4;
        AsyncPump.Run(ctx, (c, _) =>
        {
            for (int i = 0; i < count; i++) c.WriteObject(i);
            return Task.CompletedTask;
        });
        Assert.Equal(Enumerable.Range(0, count), ctx.Output.Cast<int>());
    }

    [Fact]
    public void ShouldProcess_blocks_the_worker_until_the_pipeline_thread_answers()
    {
        var ctx = new RecordingContext();
        var log = new List<string>();
        ctx.OnWriteObject = o => log.Add("wrote " + o);
        ctx.OnShouldProcess = (target, _) => { log.Add("asked " + target); return target == "yes"; };
        var answers = new List<bool>();
        AsyncPump.Run(ctx, (c, _) =>
        {
            c.WriteObject("first");
            answers.Add(c.ShouldProcess("no", "act"));
            lock (log) log.Add("worker resumed");
            answers.Add(c.ShouldProcess("yes", "act"));
            c.WriteObject("last");
            return Task.CompletedTask;
        });
        Assert.Equal([false, true], answers);
        Assert.Equal(["wrote first", "asked no", "worker resumed", "asked yes", "wrote last"], log);
    }

    [Fact]
    public void An_exception_of_the_work_propagates_unchanged_after_earlier_output()
    {
        var ctx = new RecordingContext();
        var thrown = new StorageException(StorageErrorKind.Conflict, "boom", "mem://x/a");
        var caught = Assert.Throws<StorageException>(() => AsyncPump.Run(ctx, async (c, _) =>
        {
            c.WriteObject("before");
            await Task.Yield();
            throw thrown;
        }));
        Assert.Same(thrown, caught);
        Assert.Equal(["before"], ctx.Output);
    }

    [Fact]
    public void An_exception_on_the_pipeline_thread_cancels_the_worker_and_propagates()
    {
        var ctx = new RecordingContext { OnWriteObject = _ => throw new PipelineStoppedException() };
        var workerCancelled = false;
        Assert.Throws<PipelineStoppedException>(() => AsyncPump.Run(ctx, async (c, ct) =>
        {
            c.WriteObject("x");
            try { await Task.Delay(TimeSpan.FromSeconds(30), ct); }
            catch (OperationCanceledException) { workerCancelled = true; throw; }
        }));
        Assert.True(workerCancelled);
    }

    [Fact]
    public void A_failing_answer_to_ShouldProcess_does_not_leave_the_worker_waiting()
    {
        var ctx = new RecordingContext { OnShouldProcess = (_, _) => throw new InvalidOperationException("prompt failed") };
        var ex = Assert.Throws<InvalidOperationException>(() =>
            AsyncPump.Run(ctx, (c, _) => { c.ShouldProcess("t", "a"); return Task.CompletedTask; }));
        Assert.Equal("prompt failed", ex.Message);
    }

    [Fact]
    public void Cancelling_the_context_token_stops_the_work()
    {
        var ctx = new RecordingContext();
        var started = new ManualResetEventSlim();
        var thread = new Thread(() => { started.Wait(); ctx.Cancellation.Cancel(); });
        thread.Start();
        Assert.ThrowsAny<OperationCanceledException>(() => AsyncPump.Run(ctx, async (_, ct) =>
        {
            started.Set();
            await Task.Delay(TimeSpan.FromSeconds(30), ct);
        }));
        thread.Join();
    }

    [Fact]
    public void The_stop_token_cancels_the_work_and_a_waiting_question()
    {
        var ctx = new RecordingContext();
        using var stop = new CancellationTokenSource();
        ctx.OnShouldProcess = (_, _) => { stop.Cancel(); return true; };
        var reachedAfterQuestion = false;
        Assert.ThrowsAny<OperationCanceledException>(() => AsyncPump.Run(ctx, async (c, ct) =>
        {
            c.ShouldProcess("t", "a");
            ct.ThrowIfCancellationRequested();
            reachedAfterQuestion = true;
            await Task.CompletedTask;
        }, stop.Token));
        Assert.False(reachedAfterQuestion);
    }

    [Fact]
    public void The_worker_context_reports_the_values_of_the_real_one()
    {
        var ctx = new RecordingContext(currentDirectory: "/some/where") { WhatIfRequested = true };
        (string Dir, bool WhatIf, object Registry)? seen = null;
        AsyncPump.Run(ctx, (c, _) => { seen = (c.CurrentDirectory, c.WhatIfRequested, c.Registry); return Task.CompletedTask; });
        Assert.Equal("/some/where", seen!.Value.Dir);
        Assert.True(seen.Value.WhatIf);
        Assert.Same(ctx.Registry, seen.Value.Registry);
    }

    [Fact]
    public void A_stop_returns_promptly_while_the_host_renders_progress_slowly()
    {
        // A slow terminal makes each progress record take time to render; a stop must not wait for a backlog of them.
        var ctx = new SlowProgressContext(TimeSpan.FromMilliseconds(50));
        using var stop = new CancellationTokenSource();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        Assert.ThrowsAny<OperationCanceledException>(() => AsyncPump.Run(ctx, async (c, ct) =>
        {
            for (var i = 0; ; i++)
            {
                c.WriteProgress(new StorageProgressRecord(1, "a", "s", i % 100));
                if (i == 2000) stop.CancelAfter(TimeSpan.FromMilliseconds(200));
                ct.ThrowIfCancellationRequested();
                if (i % 100 == 0) await Task.Yield();
            }
        }, stop.Token));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(2), $"returned after {clock.Elapsed}");
    }

    [Fact]
    public void Progress_records_waiting_for_a_slow_host_collapse_to_the_latest()
    {
        var ctx = new SlowProgressContext(TimeSpan.FromMilliseconds(20));
        var clock = System.Diagnostics.Stopwatch.StartNew();
        AsyncPump.Run(ctx, (c, _) =>
        {
            for (var i = 0; i <= 1000; i++) c.WriteProgress(new StorageProgressRecord(1, "a", "s" + i, i / 10));
            c.WriteObject("done");
            return Task.CompletedTask;
        });
        // The worker never waited for 1000 renders, the last record shown is the latest, and output still arrives.
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"took {clock.Elapsed}");
        Assert.True(ctx.Progress.Count < 200, $"{ctx.Progress.Count} records rendered");
        Assert.Equal("s1000", ctx.Progress[^1].Status);
        Assert.Equal(["done"], ctx.Output);
    }

    [Fact]
    public void Collapsing_keeps_the_latest_record_of_each_activity()
    {
        var ctx = new SlowProgressContext(TimeSpan.FromMilliseconds(5));
        AsyncPump.Run(ctx, (c, _) =>
        {
            for (var round = 0; round < 20; round++)
            {
                for (var i = 0; i < 50; i++)
                {
                    c.WriteProgress(new StorageProgressRecord(1, "overall", "o", round * 5));
                    c.WriteProgress(new StorageProgressRecord(2, "item", "i", i * 2));
                }
                c.WriteObject(round);
            }
            c.WriteProgress(new StorageProgressRecord(2, "item", "done", 100, Completed: true));
            return Task.CompletedTask;
        });
        Assert.Equal(Enumerable.Range(0, 20), ctx.Output.Cast<int>());
        Assert.Equal(95, ctx.Progress.Last(p => p.ActivityId == 1).PercentComplete);
        Assert.True(ctx.Progress.Last(p => p.ActivityId == 2).Completed);
    }

    /// <summary>A host whose progress rendering takes a while (a slow terminal).</summary>
    private sealed class SlowProgressContext(TimeSpan renderTime) : ICmdletContext
    {
        private readonly RecordingContext _inner = new();
        public List<object?> Output => _inner.Output;
        public List<StorageProgressRecord> Progress => _inner.Progress;
        public void WriteObject(object? value) => _inner.WriteObject(value);
        public void WriteError(StorageErrorRecord error) => _inner.WriteError(error);
        public void WriteWarning(string message) => _inner.WriteWarning(message);
        public void WriteVerbose(string message) => _inner.WriteVerbose(message);
        public void WriteProgress(StorageProgressRecord progress)
        {
            Thread.Sleep(renderTime);
            _inner.WriteProgress(progress);
        }
        public bool ShouldProcess(string target, string action) => _inner.ShouldProcess(target, action);
        public bool WhatIfRequested => false;
        public string CurrentDirectory => _inner.CurrentDirectory;
        public CloudStorage.Core.Addressing.ProviderRegistry Registry => _inner.Registry;
        public CancellationToken CancellationToken => _inner.CancellationToken;
    }
}
