using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Text;
using CloudStorage.Core.Addressing;
using CloudStorage.Core.Errors;
using CloudStorage.Core.Model;
using CloudStorage.Core.Providers;
using CloudStorage.Core.Providers.Composite;

namespace CloudStorage.Core.Health;

/// <summary>How to probe a store.</summary>
internal sealed record StorageHealthOptions
{
    /// <summary>Only list and read (the first object found): no probe object is written or deleted.</summary>
    public bool ReadOnly { get; init; }
}

/// <summary>
/// Probes a store the way a runbook or monitor would: is it reachable, are the credentials accepted, can a listing, a
/// write, a read-back and a delete of a small probe object be done, and how long each took. A replicated or routed
/// address is probed store by store (each replica, each route), a replicated one with its circuit breakers' state too.
/// Failures are results, never exceptions: a store that is down yields Failed checks.
/// </summary>
internal static class StorageHealthProbe
{
    /// <summary>The key prefix of probe objects (under the probed prefix); each probe writes one object and deletes it.</summary>
    public const string ProbeKeyPrefix = ".cloudstorage-health-";

    /// <summary>The checks for <paramref name="location"/>, in order, one store at a time.</summary>
    public static async IAsyncEnumerable<StorageHealthCheck> ProbeAsync(StorageLocation location, StorageHealthOptions? options = null,
        [EnumeratorCancellation] CancellationToken ct = default)
    {
        options ??= new StorageHealthOptions();
        var prefix = location.AsPrefix;
        if (location.Provider is ICompositeProvider composite)
        {
            var probed = new HashSet<IStorageProvider>(ReferenceEqualityComparer.Instance);
            foreach (var member in composite.Members)
            {
                if (!probed.Add(member.Provider)) continue; // two routes to one store: probed once
                var target = member.Provider.AddressRoot + prefix;
                if (member.Breaker is { } breaker)
                    yield return new StorageHealthCheck
                    {
                        Uri = location.Uri, Target = target, Role = member.Role, Check = "Breaker",
                        Status = breaker.IsOpen ? HealthStatus.Failed : HealthStatus.Healthy,
                        Message = breaker.IsOpen ? "The circuit breaker is open: reads skip this replica until it closes." : "The circuit breaker is closed.",
                    };
                await foreach (var check in ProbeStoreAsync(location.Uri, new StorageLocation(member.Provider, prefix), member.Role, options, ct).ConfigureAwait(false))
                    yield return check;
            }
            yield break;
        }
        await foreach (var check in ProbeStoreAsync(location.Uri, new StorageLocation(location.Provider, prefix), "Store", options, ct).ConfigureAwait(false))
            yield return check;
    }

    private static async IAsyncEnumerable<StorageHealthCheck> ProbeStoreAsync(string uri, StorageLocation store, string role, StorageHealthOptions options,
        [EnumeratorCancellation] CancellationToken ct)
    {
        var target = store.Uri;
        StorageHealthCheck Result(string check, HealthStatus status, TimeSpan latency, string message, StorageException? error = null) => new()
        {
            Uri = uri, Target = target, Role = role, Check = check, Status = status, Latency = latency, Message = message, ErrorKind = error?.Kind,
        };
        StorageHealthCheck Skip(string check, string why) => Result(check, HealthStatus.Skipped, TimeSpan.Zero, why);

        // The listing answers three questions: is anyone there, are we let in, and does the place exist.
        StorageItem? firstObject = null;
        var (listError, listTime) = await TimeAsync(async () =>
        {
            await foreach (var item in store.Provider.ListAsync(ListRequest.OneLevel(store.Key) with { PageSize = 10 }, ct).ConfigureAwait(false))
            {
                if (item.IsPrefix || item.Key.StartsWith(store.Key + ProbeKeyPrefix, StringComparison.Ordinal)) continue;
                firstObject = item;
                break;
            }
        }).ConfigureAwait(false);
        if (listError is null)
        {
            yield return Result("Reachable", HealthStatus.Healthy, listTime, "The store answered.");
            yield return Result("Credentials", HealthStatus.Healthy, TimeSpan.Zero, "The credentials were accepted.");
            yield return Result("List", HealthStatus.Healthy, listTime, firstObject is null ? "Listed: nothing at the first level." : $"Listed: first object '{firstObject.Key}'.");
        }
        else
        {
            // Which question the failure answers: nobody there (transient, unknown), not let in (denied), or not even
            // set up (configuration: e.g. no credentials found, so nothing was sent).
            if (listError.Kind == StorageErrorKind.Configuration)
            {
                yield return Skip("Reachable", "Not contacted: the provider could not be set up.");
                yield return Result("Credentials", HealthStatus.Failed, TimeSpan.Zero, listError.Message, listError);
            }
            else if (listError.Kind == StorageErrorKind.PermissionDenied)
            {
                yield return Result("Reachable", HealthStatus.Healthy, listTime, "The store answered.");
                yield return Result("Credentials", HealthStatus.Failed, TimeSpan.Zero, listError.Message, listError);
            }
            else if (listError.IsTransient || listError.Kind == StorageErrorKind.Unknown)
            {
                yield return Result("Reachable", HealthStatus.Failed, listTime, listError.Message, listError);
                yield return Skip("Credentials", "The store did not answer.");
            }
            else
            {
                yield return Result("Reachable", HealthStatus.Healthy, listTime, "The store answered.");
                yield return Result("Credentials", HealthStatus.Healthy, TimeSpan.Zero, "The credentials were accepted.");
            }
            yield return Result("List", HealthStatus.Failed, listTime, listError.Message, listError);
            foreach (var check in new[] { "Write", "Read", "Delete" }) yield return Skip(check, "The listing failed.");
            yield break;
        }

        if (options.ReadOnly)
        {
            yield return Skip("Write", "Read-only probe.");
            if (firstObject is null)
                yield return Skip("Read", "Read-only probe and nothing to read at the first level.");
            else
            {
                var (readError, readTime) = await TimeAsync(async () =>
                {
                    await using var stream = await store.Provider.OpenReadAsync(firstObject.Key, new ByteRange(0, 1), ct).ConfigureAwait(false);
                    _ = await stream.ReadAsync(new byte[1], ct).ConfigureAwait(false);
                }).ConfigureAwait(false);
                yield return readError is null
                    ? Result("Read", HealthStatus.Healthy, readTime, $"Read the first byte of '{firstObject.Key}'.")
                    : Result("Read", HealthStatus.Failed, readTime, readError.Message, readError);
            }
            yield return Skip("Delete", "Read-only probe.");
            yield break;
        }

        var key = store.Key + ProbeKeyPrefix + Guid.NewGuid().ToString("N");
        var payload = Encoding.UTF8.GetBytes($"CloudStorage health probe {DateTimeOffset.UtcNow:O}");
        var (writeError, writeTime) = await TimeAsync(async () =>
        {
            using var content = new MemoryStream(payload, writable: false);
            await store.Provider.WriteAsync(key, content, new WriteOptions { Length = payload.Length, ContentType = "text/plain" }, ct).ConfigureAwait(false);
        }).ConfigureAwait(false);
        if (writeError is not null)
        {
            yield return Result("Write", HealthStatus.Failed, writeTime, writeError.Message, writeError);
            yield return Skip("Read", "The probe object could not be written.");
            yield return Skip("Delete", "The probe object could not be written.");
            yield break;
        }
        yield return Result("Write", HealthStatus.Healthy, writeTime, $"Wrote {payload.Length} bytes to '{store.Provider.AddressRoot + key}'.");

        var (readBackError, readBackTime) = await TimeAsync(async () =>
        {
            await using var stream = await store.Provider.OpenReadAsync(key, null, ct).ConfigureAwait(false);
            using var copy = new MemoryStream();
            await stream.CopyToAsync(copy, ct).ConfigureAwait(false);
            if (!copy.ToArray().AsSpan().SequenceEqual(payload))
                throw new StorageException(StorageErrorKind.IntegrityFailure, $"The probe object read back differs from what was written ({copy.Length} bytes, not {payload.Length}).", store.Provider.AddressRoot + key);
        }).ConfigureAwait(false);
        yield return readBackError is null
            ? Result("Read", HealthStatus.Healthy, readBackTime, "Read the probe object back, byte for byte.")
            : Result("Read", HealthStatus.Failed, readBackTime, readBackError.Message, readBackError);

        var (deleteError, deleteTime) = await TimeAsync(async () =>
        {
            await store.Provider.DeleteAsync(key, ct).ConfigureAwait(false);
            if (await store.Provider.StatAsync(key, ct).ConfigureAwait(false) is not null)
                throw new StorageException(StorageErrorKind.Conflict, "The probe object is still there after its delete.", store.Provider.AddressRoot + key);
        }).ConfigureAwait(false);
        yield return deleteError is null
            ? Result("Delete", HealthStatus.Healthy, deleteTime, "Deleted the probe object.")
            : Result("Delete", HealthStatus.Failed, deleteTime, deleteError.Message, deleteError);
    }

    private static async Task<(StorageException? Error, TimeSpan Latency)> TimeAsync(Func<Task> call)
    {
        var watch = Stopwatch.StartNew();
        try
        {
            await call().ConfigureAwait(false);
            return (null, watch.Elapsed);
        }
        catch (StorageException e)
        {
            return (e, watch.Elapsed);
        }
    }
}
