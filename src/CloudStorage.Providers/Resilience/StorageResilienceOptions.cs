using CloudStorage.Core.Errors;

namespace CloudStorage.Providers.Resilience;

/// <summary>
/// How transient failures are retried: exponential backoff with jitter, a server's Retry-After honoured, a bounded
/// number of attempts. Only failures a retry may cure are retried (<see cref="StorageException.IsTransient"/>:
/// throttling, 5xx, timeouts, dropped connections); permission errors never are.
/// </summary>
public sealed record StorageResilienceOptions
{
    /// <summary>Retries after the first attempt (default 4; 0 turns retrying off).</summary>
    public int MaxRetryAttempts { get; init; } = 4;

    /// <summary>The first backoff delay; later ones grow exponentially, with jitter (default 200 ms).</summary>
    public TimeSpan BaseDelay { get; init; } = TimeSpan.FromMilliseconds(200);

    /// <summary>The longest computed backoff delay (default 20 s).</summary>
    public TimeSpan MaxDelay { get; init; } = TimeSpan.FromSeconds(20);

    /// <summary>The longest Retry-After a server may impose before the retry happens anyway (default 2 min).</summary>
    public TimeSpan MaxRetryAfter { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>The clock the delays run on (tests inject one that does not sleep).</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>Called before each retry (logging, verbose output).</summary>
    public Action<StorageRetryEvent>? OnRetry { get; init; }

    /// <summary>Throws Configuration when a value is out of range.</summary>
    public void Validate()
    {
        if (MaxRetryAttempts is < 0 or > 100)
            throw new StorageException(StorageErrorKind.Configuration, $"The number of retries must be between 0 and 100, not {MaxRetryAttempts}.");
        if (BaseDelay <= TimeSpan.Zero || MaxDelay < BaseDelay || MaxRetryAfter < TimeSpan.Zero)
            throw new StorageException(StorageErrorKind.Configuration, "Retry delays must be positive, with the maximum not below the base delay.");
    }
}

/// <summary>One retry about to happen.</summary>
/// <param name="Operation">What is retried (<c>Stat</c>, <c>Write</c>, <c>UploadPart</c>, ...).</param>
/// <param name="Attempt">The attempt that failed (0 for the first).</param>
/// <param name="Delay">The wait before the next attempt.</param>
/// <param name="Error">The failure.</param>
public sealed record StorageRetryEvent(string Operation, int Attempt, TimeSpan Delay, StorageException Error);
