using CloudStorage.Core.Errors;
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

    /// <summary>
    /// What a failure that is not yet a StorageException becomes before it leaves the retry layer (so no cmdlet ever
    /// sees a raw SDK or runtime exception): a timeout not asked for is Transient, anything else Unknown and not
    /// retried. Null for StorageExceptions and for the cancellation the caller asked for.
    /// </summary>
    public static StorageException? AsStorageException(Exception error, string operation, CancellationToken ct) => error switch
    {
        StorageException => null,
        OperationCanceledException when ct.IsCancellationRequested => null,
        OperationCanceledException or TimeoutException =>
            new StorageException(StorageErrorKind.Transient, $"{operation} timed out: {FirstLine(error.Message)}", inner: error),
        IOException or HttpRequestException or System.Net.Sockets.SocketException =>
            new StorageException(StorageErrorKind.Transient, $"{operation} lost its connection: {FirstLine(error.Message)}", inner: error),
        _ => new StorageException(StorageErrorKind.Unknown, $"{operation} failed ({error.GetType().Name}): {FirstLine(error.Message)}", inner: error, isTransient: false),
    };

    private static string FirstLine(string message) => message.Split('\n', 2)[0].Trim();

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
                if (args.Outcome.Exception is StorageException e)
                {
                    var operation = args.Context.Properties.TryGetValue(OperationKey, out var name) ? name : "operation";
                    var retry = new StorageRetryEvent(operation, args.AttemptNumber, args.RetryDelay, e);
                    options.OnRetry?.Invoke(retry);
                    RetryLog.Write(Describe(retry, options.MaxRetryAttempts));
                }
                return default;
            },
        }).Build();
    }

    /// <summary>
    /// The verbose line for one retry: operation, address, attempt, delay and reason. Error messages name addresses
    /// and service error codes, never keys, signatures or tokens (the mappers see to it), so the line holds no secret.
    /// </summary>
    public static string Describe(StorageRetryEvent retry, int maxRetries)
    {
        var reason = retry.Error.Message.ReplaceLineEndings(" ");
        if (reason.Length > 300) reason = reason[..300] + "...";
        var delay = retry.Delay.TotalSeconds.ToString("0.###", System.Globalization.CultureInfo.InvariantCulture);
        return $"Retrying {retry.Operation} of '{retry.Error.Target ?? retry.Error.Provider ?? "?"}' (retry {retry.Attempt + 1} of {maxRetries}) in {delay} s: "
            + $"{retry.Error.Kind}: {reason}";
    }

    /// <summary>Runs <paramref name="action"/> through <paramref name="pipeline"/>, naming the operation for <see cref="StorageResilienceOptions.OnRetry"/>.</summary>
    public static async ValueTask<T> ExecuteAsync<T>(this ResiliencePipeline pipeline, string operation, Func<CancellationToken, ValueTask<T>> action, CancellationToken ct)
    {
        var context = ResilienceContextPool.Shared.Get(operation, ct);
        context.Properties.Set(OperationKey, operation);
        try
        {
            return await pipeline.ExecuteAsync(static async (ctx, state) =>
            {
                try
                {
                    return await state.action(ctx.CancellationToken).ConfigureAwait(false);
                }
                catch (Exception e) when (AsStorageException(e, state.operation, ctx.CancellationToken) is { } mapped)
                {
                    throw mapped;
                }
            }, context, (action, operation)).ConfigureAwait(false);
        }
        finally
        {
            ResilienceContextPool.Shared.Return(context);
        }
    }
}
