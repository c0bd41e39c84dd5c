using System.Collections.Concurrent;
using System.Runtime.ExceptionServices;
using CloudStorage.Core.Addressing;

namespace CloudStorage.PowerShell.Infrastructure;

/// <summary>
/// Runs a cmdlet's async work off the pipeline thread and executes every call it makes to its context back on the
/// calling (pipeline) thread, because PowerShell throws when a cmdlet writes from another thread. Writes are queued
/// in order (the queue is bounded so a fast listing cannot outrun the pipeline); ShouldProcess blocks the worker
/// until the pipeline thread has the answer. The worker's exceptions propagate; an exception on the pipeline
/// thread (PipelineStoppedException) cancels the worker and propagates; cancelling the token stops both.
/// Progress is advisory: records waiting for a slow host collapse to the latest one per activity, so a slow terminal
/// neither throttles the work nor builds a backlog; and once the work is cancelled (Ctrl+C) nothing queued is
/// rendered any more: the pump waits only for the worker's own cleanup and returns.
/// </summary>
public static class AsyncPump
{
    /// <summary>How many messages may wait for the pipeline thread before the worker blocks.</summary>
    public const int QueueCapacity = 256;

    /// <summary>
    /// Runs <paramref name="work"/> on the thread pool with a context that marshals to this thread, and pumps its
    /// messages here until it finishes. <paramref name="stopToken"/> (the cmdlet's StopProcessing) is linked with
    /// the context's own token.
    /// </summary>
    public static void Run(ICmdletContext context, Func<ICmdletContext, CancellationToken, Task> work, CancellationToken stopToken = default)
    {
        using var cancellation = CancellationTokenSource.CreateLinkedTokenSource(context.CancellationToken, stopToken);
        using var queue = new BlockingCollection<Action>(QueueCapacity);
        var pumped = new MarshallingContext(context, queue, cancellation.Token, Environment.CurrentManagedThreadId);

        var task = Task.Run(() => work(pumped, cancellation.Token), cancellation.Token);
        // When the work ends (in any way) the loop below drains what is queued and returns.
        task.ContinueWith(_ => pumped.Close(), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);

        try
        {
            foreach (var message in queue.GetConsumingEnumerable(cancellation.Token)) message();
        }
        catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
        {
            // Stopping: what is still queued (progress, output nobody will read) is dropped, not rendered.
            pumped.Close();
            try { task.Wait(); } catch (AggregateException) { }
            if (task.IsCompletedSuccessfully) cancellation.Token.ThrowIfCancellationRequested();
        }
        catch (Exception pipelineFailure)
        {
            // The pipeline thread failed (e.g. the pipeline is stopping): stop the worker, wait for it, report the failure.
            cancellation.Cancel();
            pumped.Close();
            try { task.Wait(); } catch (AggregateException) { }
            ExceptionDispatchInfo.Capture(pipelineFailure).Throw();
        }
        task.GetAwaiter().GetResult();
    }

    /// <summary>The worker's view of the context: every call is queued for the pipeline thread.</summary>
    private sealed class MarshallingContext(ICmdletContext inner, BlockingCollection<Action> queue, CancellationToken token, int pipelineThread) : ICmdletContext
    {
        private readonly object _closeLock = new();
        private bool _closed;

        // The latest progress record of each activity not yet rendered, and whether a message to render them is queued.
        private readonly object _progressLock = new();
        private readonly List<StorageProgressRecord> _pendingProgress = new();
        private bool _progressQueued;

        public void Close()
        {
            lock (_closeLock)
            {
                if (_closed) return;
                _closed = true;
                queue.CompleteAdding();
            }
        }

        private bool OnPipelineThread => Environment.CurrentManagedThreadId == pipelineThread;

        private void Post(Action message)
        {
            if (OnPipelineThread) { message(); return; }
            try
            {
                queue.Add(message, token);
            }
            catch (InvalidOperationException) when (queue.IsAddingCompleted)
            {
                // The pump has stopped: the pipeline is gone, so the message has nowhere to go.
                token.ThrowIfCancellationRequested();
                throw new OperationCanceledException("The pipeline is no longer accepting output.");
            }
        }

        public void WriteObject(object? value) => Post(() => inner.WriteObject(value));
        public void WriteError(StorageErrorRecord error) => Post(() => inner.WriteError(error));
        public void WriteWarning(string message) => Post(() => inner.WriteWarning(message));
        public void WriteVerbose(string message) => Post(() => inner.WriteVerbose(message));
        public void WriteProgress(StorageProgressRecord progress)
        {
            if (OnPipelineThread) { inner.WriteProgress(progress); return; }
            lock (_progressLock)
            {
                var index = _pendingProgress.FindIndex(p => p.ActivityId == progress.ActivityId);
                if (index >= 0) _pendingProgress[index] = progress; else _pendingProgress.Add(progress);
                if (_progressQueued) return;
                _progressQueued = true;
            }
            Post(RenderPendingProgress);
        }

        private void RenderPendingProgress()
        {
            StorageProgressRecord[] records;
            lock (_progressLock)
            {
                records = _pendingProgress.ToArray();
                _pendingProgress.Clear();
                _progressQueued = false;
            }
            foreach (var record in records)
            {
                token.ThrowIfCancellationRequested();
                inner.WriteProgress(record);
            }
        }

        public bool ShouldProcess(string target, string action)
        {
            if (OnPipelineThread) return inner.ShouldProcess(target, action);
            var answer = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
            Post(() =>
            {
                try { answer.TrySetResult(inner.ShouldProcess(target, action)); }
                catch (Exception ex) { answer.TrySetException(ex); throw; }
            });
            try
            {
                answer.Task.Wait(token);
            }
            catch (AggregateException ex) when (ex.InnerExceptions.Count == 1)
            {
                ExceptionDispatchInfo.Capture(ex.InnerExceptions[0]).Throw();
            }
            // A stop that arrived while the user was answering wins over a "yes".
            token.ThrowIfCancellationRequested();
            return answer.Task.Result;
        }

        // Plain values: read once on the pipeline thread before the work started, or immutable.
        public bool WhatIfRequested { get; } = inner.WhatIfRequested;
        public string CurrentDirectory { get; } = inner.CurrentDirectory;
        public ProviderRegistry Registry { get; } = inner.Registry;
        public CancellationToken CancellationToken => token;
    }
}
