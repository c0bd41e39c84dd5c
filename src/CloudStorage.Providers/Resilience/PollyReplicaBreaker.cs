using System.Globalization;
using CloudStorage.Core.Errors;
using CloudStorage.Core.Providers.Composite;
using Polly;
using Polly.CircuitBreaker;

namespace CloudStorage.Providers.Resilience;

/// <summary>
/// The circuit breaker of one replica (Polly): after half or more of at least <see cref="ReplicaBreakerOptions.MinimumThroughput"/>
/// calls within <see cref="ReplicaBreakerOptions.SamplingDuration"/> failed transiently (the replica's own retries spent),
/// it opens for <see cref="ReplicaBreakerOptions.BreakDuration"/>: calls then fail at once and reads go to the next
/// replica; then one trial call decides whether it closes. Missing objects and refusals are answers, not failures.
/// No retry strategy: the replica's provider has the one retry layer.
/// </summary>
internal sealed class PollyReplicaBreaker : IReplicaBreaker
{
    private readonly ResiliencePipeline _pipeline;
    private readonly CircuitBreakerStateProvider _state = new();
    private readonly string _replica;

    public PollyReplicaBreaker(string replicaAddress, ReplicaBreakerOptions options)
    {
        _replica = replicaAddress;
        _pipeline = new ResiliencePipelineBuilder { TimeProvider = options.TimeProvider }
            .AddCircuitBreaker(new CircuitBreakerStrategyOptions
            {
                FailureRatio = 0.5,
                MinimumThroughput = options.MinimumThroughput,
                SamplingDuration = options.SamplingDuration,
                BreakDuration = options.BreakDuration,
                StateProvider = _state,
                ShouldHandle = new PredicateBuilder().Handle<StorageException>(e => e.IsTransient),
            })
            .Build();
    }

    public bool IsOpen => _state.CircuitState is CircuitState.Open or CircuitState.Isolated;

    public async Task<T> ExecuteAsync<T>(Func<CancellationToken, Task<T>> call, CancellationToken cancellationToken)
    {
        try
        {
            return await _pipeline.ExecuteAsync(static async (state, ct) => await state(ct).ConfigureAwait(false), call, cancellationToken).ConfigureAwait(false);
        }
        catch (BrokenCircuitException e)
        {
            throw new StorageException(StorageErrorKind.Transient,
                $"The circuit breaker of replica '{_replica}' is open (it failed recently); not tried.", _replica, inner: e);
        }
    }
}

/// <summary>The settings of the replicas' circuit breakers.</summary>
internal sealed record ReplicaBreakerOptions
{
    /// <summary>Calls in the sampling window before the breaker may open (Polly's minimum, 2).</summary>
    public int MinimumThroughput { get; init; } = 2;

    /// <summary>The window over which failures are counted.</summary>
    public TimeSpan SamplingDuration { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How long an open breaker stays open (option <c>break-duration</c>, seconds; default 30).</summary>
    public TimeSpan BreakDuration { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>The clock (tests inject one).</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;
}

/// <summary>Creates a <see cref="PollyReplicaBreaker"/> per replica; registered by <see cref="ProviderPack.RegisterAll"/>.</summary>
internal sealed class PollyReplicaBreakerFactory(ReplicaBreakerOptions? defaults = null) : IReplicaBreakerFactory
{
    /// <summary>The option naming the break duration in seconds.</summary>
    public const string BreakDurationOption = "break-duration";

    public IReplicaBreaker Create(string replicaAddress, IReadOnlyDictionary<string, string> options)
    {
        var settings = defaults ?? new ReplicaBreakerOptions();
        if (options.TryGetValue(BreakDurationOption, out var text))
        {
            if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) || seconds < 0.5 || seconds > 86400)
                throw new StorageException(StorageErrorKind.Configuration,
                    $"The option '{BreakDurationOption}' must be a number of seconds from 0.5 to 86400, not '{text}'.", replicaAddress);
            settings = settings with { BreakDuration = TimeSpan.FromSeconds(seconds) };
        }
        return new PollyReplicaBreaker(replicaAddress, settings);
    }
}
