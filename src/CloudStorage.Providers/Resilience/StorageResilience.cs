using CloudStorage.Errors;
using Polly;
using Polly.Retry;

namespace CloudStorage.Providers.Resilience;

/// <summary>Builds the Polly pipeline every provider's retries share.</summary>
public static class StorageResilience
{
    private static readonly ResiliencePropertyKey<string> OperationKey = new("cloudstorage.operation");

    /// <summary>True when a retry may cure <paramref name="error"/> (never for denied permissions).</summary>
    public static bool IsRetryable(Exception error) =>
        error is StorageException { IsTransient: true } e && e.Kind != StorageErrorKind.PermissionDenied;

    /// <summary>A retry pipeline for <paramref name="options"/>.</summary>
    public static ResiliencePipeline CreatePipeline(StorageResilienceOptions options)
    {
        options.Validate();
        var builder = new ResiliencePipelineBuilder { TimeProvider = options.TimeProvider };
        if (options.MaxRetryAttempts == 0) return builder.Build();
        return builder.AddRetry(new RetryStrategyOptions
        {
            ShouldHandle = new PredicateBuilder().Handle<StorageException>(IsRetryable),
            MaxRetryAttempts = options.MaxRetryAttempts,
            BackoffType = DelayBackoffType.Exponential,
            UseJitter = true,
            Delay = options.BaseDelay,
            MaxDelay = options.MaxDelay,
            // A server that says when to come back is believed (within reason); otherwise the backoff decides.
            DelayGenerator = args => ValueTask.FromResult<TimeSpan?>(
                args.Outcome.Exception is StorageException { RetryAfter: { } after }
                    ? (after < options.MaxRetryAfter ? after : options.MaxRetryAfter)
                    : null),
            OnRetry = args =>
            {
                if (options.OnRetry is { } onRetry && args.Outcome.Exception is StorageException e)
                {
                    var operation = args.Context.Properties.TryGetValue(OperationKey, out var name) ? name : "operation";
                    onRetry(new StorageRetryEvent(operation, args.AttemptNumber, args.RetryDelay, e));
                }
                return default;
            },
        }).Build();
    }

    /// <summary>Runs <paramref name="action"/> through <paramref name="pipeline"/>, naming the operation for <see cref="StorageResilienceOptions.OnRetry"/>.</summary>
    public static async ValueTask<T> ExecuteAsync<T>(this ResiliencePipeline pipeline, string operation, Func<CancellationToken, ValueTask<T>> action, CancellationToken ct)
    {
        var context = ResilienceContextPool.Shared.Get(operation, ct);
        context.Properties.Set(OperationKey, operation);
        try
        {
            return await pipeline.ExecuteAsync(static (ctx, state) => state(ctx.CancellationToken), context, action).ConfigureAwait(false);
        }
        finally
        {
            ResilienceContextPool.Shared.Return(context);
        }
    }
}
