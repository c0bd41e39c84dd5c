using CloudStorage.Core.Errors;

namespace CloudStorage.Providers.Common;

/// <summary>
/// Runs a provider call, throwing what the provider's error mapper makes of a failure instead of the failure itself.
/// The mapper returns null for what must pass unchanged (a StorageException, the cancellation the caller asked for,
/// anything it does not know).
/// </summary>
internal static class MappedCall
{
    /// <summary>Runs <paramref name="action"/>, translating failures with <paramref name="map"/>.</summary>
    public static async Task<T> RunAsync<T>(Func<Task<T>> action, Func<Exception, StorageException?> map)
    {
        try
        {
            return await action().ConfigureAwait(false);
        }
        catch (Exception e) when (map(e) is { } mapped)
        {
            throw mapped;
        }
    }

    /// <summary>Runs <paramref name="action"/>, translating failures with <paramref name="map"/>.</summary>
    public static async Task RunAsync(Func<Task> action, Func<Exception, StorageException?> map)
    {
        try
        {
            await action().ConfigureAwait(false);
        }
        catch (Exception e) when (map(e) is { } mapped)
        {
            throw mapped;
        }
    }
}
