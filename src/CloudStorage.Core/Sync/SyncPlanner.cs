using System.Runtime.CompilerServices;
using CloudStorage.Addressing;
using CloudStorage.Model;
using CloudStorage.Transfer;

namespace CloudStorage.Sync;

/// <summary>
/// Plans a sync by merging two recursive listings, both sorted by <see cref="KeyComparer"/>, in one pass: memory
/// stays constant per object however large the trees are. Produces Copy, Update and (with Delete) Delete
/// actions in key order, and Skip for keys already in sync.
/// </summary>
public sealed class SyncPlanner
{
    /// <summary>Plans; each yielded action is <see cref="SyncActionStatus.Planned"/>.</summary>
    public async IAsyncEnumerable<SyncAction> PlanAsync(StorageLocation source, StorageLocation destination, SyncOptions options,
        [EnumeratorCancellation] CancellationToken ct = default)
    {
        var srcPrefix = source.AsPrefix;
        var dstPrefix = destination.AsPrefix;
        var listedHash = ProviderAbilities.CommonListedHash(source, destination);
        var checksumHash = options.Checksum ? ProviderAbilities.CommonHash(source, destination) : null;
        var timeTolerance = Max(source.Provider.Capabilities.ModifiedTimePrecision, destination.Provider.Capabilities.ModifiedTimePrecision);

        await using var src = source.Provider.ListAsync(ListRequest.Recursive(srcPrefix), ct).GetAsyncEnumerator(ct);
        await using var dst = destination.Provider.ListAsync(ListRequest.Recursive(dstPrefix), ct).GetAsyncEnumerator(ct);
        var hasSrc = await src.MoveNextAsync().ConfigureAwait(false);
        var hasDst = await dst.MoveNextAsync().ConfigureAwait(false);
        string? previous = null;

        while (hasSrc || hasDst)
        {
            var srcRel = hasSrc ? src.Current.Key[srcPrefix.Length..] : null;
            var dstRel = hasDst ? dst.Current.Key[dstPrefix.Length..] : null;
            var order = !hasSrc ? 1 : !hasDst ? -1 : KeyComparer.Instance.Compare(srcRel, dstRel);
            var rel = order <= 0 ? srcRel! : dstRel!;
            if (previous is not null && KeyComparer.Instance.Compare(previous, rel) > 0)
                throw new Errors.StorageException(Errors.StorageErrorKind.Conflict,
                    $"A listing was not sorted ('{previous}' came before '{rel}'); sync stopped before changing anything further.", rel);
            previous = rel;

            if (order < 0)
            {
                yield return Planned(SyncActionKind.Copy, rel, source, destination, src.Current.Size, "missing at destination");
                hasSrc = await src.MoveNextAsync().ConfigureAwait(false);
            }
            else if (order > 0)
            {
                if (options.Delete)
                    yield return new SyncAction
                    {
                        Action = SyncActionKind.Delete, Key = rel, Uri = destination.Child(rel).Uri,
                        Size = dst.Current.Size, Reason = "not in source",
                    };
                hasDst = await dst.MoveNextAsync().ConfigureAwait(false);
            }
            else
            {
                var reason = await DifferenceAsync(src.Current, dst.Current, source.Child(rel), destination.Child(rel),
                    listedHash, checksumHash, options.Checksum, timeTolerance, ct).ConfigureAwait(false);
                yield return Planned(reason is null ? SyncActionKind.Skip : SyncActionKind.Update, rel, source, destination,
                    src.Current.Size, reason ?? "in sync");
                hasSrc = await src.MoveNextAsync().ConfigureAwait(false);
                hasDst = await dst.MoveNextAsync().ConfigureAwait(false);
            }
        }
    }

    // Null when the two are the same; otherwise why they differ.
    private static async Task<string?> DifferenceAsync(StorageItem s, StorageItem d, StorageLocation sLoc, StorageLocation dLoc,
        HashAlgorithmKind? listedHash, HashAlgorithmKind? checksumHash, bool checksum, TimeSpan tolerance, CancellationToken ct)
    {
        if (s.Size != d.Size) return $"size differs ({s.Size} vs {d.Size})";
        var algorithm = checksum ? checksumHash : listedHash;
        if (algorithm is { } alg)
        {
            var sh = await ProviderAbilities.GetHashAsync(sLoc, s, alg, ct).ConfigureAwait(false);
            var dh = await ProviderAbilities.GetHashAsync(dLoc, d, alg, ct).ConfigureAwait(false);
            if (sh is not null && dh is not null) return sh.Equals(dh) ? null : $"{alg} differs";
        }
        if (checksum) return null; // rclone's --checksum without a common hash: size decides.
        if (s.LastModified is { } sm && d.LastModified is { } dm)
            return (sm - dm).Duration() <= tolerance ? null : $"modification time differs ({sm:u} vs {dm:u})";
        return null;
    }

    private static SyncAction Planned(SyncActionKind kind, string rel, StorageLocation source, StorageLocation destination, long size, string reason) => new()
    {
        Action = kind, Key = rel, Uri = destination.Child(rel).Uri, SourceUri = source.Child(rel).Uri, Size = size, Reason = reason,
    };

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;
}
