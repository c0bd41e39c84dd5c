using System.Runtime.CompilerServices;
using CloudStorage.Core.Addressing;
using CloudStorage.Core.Model;
using CloudStorage.Core.Providers;
using CloudStorage.Core.Transfer;

namespace CloudStorage.Core.Sync;

/// <summary>
/// Plans a sync by merging the two recursive listings (<see cref="ListingMerge"/>) in one pass: memory stays constant
/// per object however large the trees are. Produces Copy, Update and (with Delete) Delete actions in key order, and
/// Skip for keys already in sync.
/// </summary>
/// <remarks>
/// Two objects of one size are the same when (1) a hash both report without reading — natively or stored at upload
/// (<c>cloudstorage-md5</c>, rclone's <c>md5chksum</c>) — is equal; else (2) their modification times agree. A store
/// that keeps the source's time (local, memory, GCS and Azure through metadata) is compared exactly. S3 cannot set its
/// time and its listing carries no metadata, so its listed time is the upload time, an upper bound of the time stored
/// with the object (<c>mtime</c>): an upload clearly before the source's modification is out of date, one clearly
/// after it is in sync, and only within the providers' time precision of each other is the object's stored time read
/// (one HEAD). With <see cref="SyncOptions.Checksum"/>, a hash both can produce decides, even by reading content.
/// </remarks>
internal sealed class SyncPlanner
{
    /// <summary>Plans; each yielded action is <see cref="SyncActionStatus.Planned"/>.</summary>
    public async IAsyncEnumerable<SyncAction> PlanAsync(StorageLocation source, StorageLocation destination, SyncOptions options,
        [EnumeratorCancellation] CancellationToken ct = default)
    {
        var checksumHash = options.Checksum ? ProviderAbilities.CommonHash(source, destination) : null;
        var tolerance = Max(source.Provider.Capabilities.ModifiedTimePrecision, destination.Provider.Capabilities.ModifiedTimePrecision);

        await foreach (var (rel, s, d) in ListingMerge.MergeAsync(source, destination, recursive: true, ct).ConfigureAwait(false))
        {
            if (s is not null && d is null)
            {
                yield return Planned(SyncActionKind.Copy, rel, source, destination, s.Size, "missing at destination");
            }
            else if (s is null)
            {
                if (options.Delete)
                    yield return new SyncAction
                    {
                        Action = SyncActionKind.Delete, Key = rel, Uri = destination.Child(rel).Uri, Size = d!.Size, Reason = "not in source",
                    };
            }
            else
            {
                var reason = await DifferenceAsync(s, d!, source.Child(rel), destination.Child(rel), checksumHash, options.Checksum, tolerance, ct)
                    .ConfigureAwait(false);
                yield return Planned(reason is null ? SyncActionKind.Skip : SyncActionKind.Update, rel, source, destination, s.Size, reason ?? "in sync");
            }
        }
    }

    // Null when the two are the same; otherwise why they differ.
    private static async Task<string?> DifferenceAsync(StorageItem s, StorageItem d, StorageLocation sLoc, StorageLocation dLoc,
        HashAlgorithmKind? checksumHash, bool checksum, TimeSpan tolerance, CancellationToken ct)
    {
        if (s.Size != d.Size) return $"size differs ({s.Size} vs {d.Size})";
        if (checksum)
        {
            if (checksumHash is not { } alg) return null; // rclone's --checksum without a common hash: size decides.
            var sh = StoredHashes.Reported(s, alg).Hash ?? await ProviderAbilities.GetHashAsync(sLoc, s, alg, ct).ConfigureAwait(false);
            var dh = StoredHashes.Reported(d, alg).Hash ?? await ProviderAbilities.GetHashAsync(dLoc, d, alg, ct).ConfigureAwait(false);
            return sh is null || dh is null || sh.Equals(dh) ? null : $"{alg} differs";
        }

        if (HashVerdict(s, d) is { } byHash) return byHash.Length == 0 ? null : byHash;

        var (ts, sExact) = Time(s, sLoc.Provider.Capabilities);
        var (td, dExact) = Time(d, dLoc.Provider.Capabilities);
        if (ts is null || td is null) return null;
        if (sExact && dExact) return TimeVerdict(ts.Value, td.Value, tolerance);
        // The side without an exact time shows its upload time, never earlier than the time stored with it.
        if (!dExact && td < ts - tolerance) return $"changed after the destination was written ({ts:u} vs {td:u})";
        if (!dExact && td > ts + tolerance) return null;

        // The listings cannot decide: read the stored times (and stored hashes) of the side(s) that need it.
        if (!sExact) s = await sLoc.Provider.StatAsync(sLoc.Key, ct).ConfigureAwait(false) ?? s;
        if (!dExact) d = await dLoc.Provider.StatAsync(dLoc.Key, ct).ConfigureAwait(false) ?? d;
        if (HashVerdict(s, d) is { } statHash) return statHash.Length == 0 ? null : statHash;
        return StoredModifiedTime.Of(s) is { } sm && StoredModifiedTime.Of(d) is { } dm ? TimeVerdict(sm, dm, tolerance) : null;
    }

    // "" when a hash both sides report (natively or stored) is equal, the difference when not, null when none is common.
    private static string? HashVerdict(StorageItem s, StorageItem d)
    {
        foreach (var alg in ProviderAbilities.HashPreference)
        {
            var sh = StoredHashes.Reported(s, alg).Hash;
            var dh = StoredHashes.Reported(d, alg).Hash;
            if (sh is not null && dh is not null) return sh.Equals(dh) ? "" : $"{alg} differs";
        }
        return null;
    }

    // The item's modification time, and whether it is the true one (a store that sets it, or a stored one) rather than an upload time.
    private static (DateTimeOffset? Time, bool Exact) Time(StorageItem item, ProviderCapabilities caps) =>
        StoredModifiedTime.Get(item.Metadata) is { } stored ? (stored, true) : (item.LastModified, caps.CanSetModifiedTime);

    private static string? TimeVerdict(DateTimeOffset s, DateTimeOffset d, TimeSpan tolerance) =>
        (s - d).Duration() <= tolerance ? null : $"modification time differs ({s:u} vs {d:u})";

    private static SyncAction Planned(SyncActionKind kind, string rel, StorageLocation source, StorageLocation destination, long size, string reason) => new()
    {
        Action = kind, Key = rel, Uri = destination.Child(rel).Uri, SourceUri = source.Child(rel).Uri, Size = size, Reason = reason,
    };

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;
}
