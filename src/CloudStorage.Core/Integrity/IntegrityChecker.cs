using System.Runtime.CompilerServices;
using CloudStorage.Core.Addressing;
using CloudStorage.Core.Errors;
using CloudStorage.Core.Model;
using CloudStorage.Core.Transfer;

namespace CloudStorage.Core.Integrity;

/// <summary>How to check integrity.</summary>
internal sealed record IntegrityOptions
{
    /// <summary>Stream and hash both sides when no hash is available otherwise (the last resort).</summary>
    public bool Download { get; init; }

    /// <summary>Compare whole trees when given prefixes.</summary>
    public bool Recurse { get; init; } = true;
}

/// <summary>
/// Checks objects against a reference: a hash both sides hold natively, else a hash stored in metadata at upload,
/// else (with <see cref="IntegrityOptions.Download"/>) a streaming comparison; otherwise Unverifiable.
/// Trees are compared by merging their sorted listings (Match/Mismatch/Missing/Extra).
/// </summary>
internal sealed class IntegrityChecker
{
    private static readonly IReadOnlyList<HashAlgorithmKind> Preference = ProviderAbilities.HashPreference;
    private readonly TransferEngine _transfer;

    /// <summary>A checker reading through <paramref name="transfer"/>.</summary>
    public IntegrityChecker(TransferEngine transfer) => _transfer = transfer;

    /// <summary>
    /// Compares <paramref name="target"/> with <paramref name="reference"/> (objects or prefixes). An object checked
    /// against a prefix is compared with the reference object of the same name under it. With no reference, each
    /// object is checked against its own reported hash, which needs <see cref="IntegrityOptions.Download"/> — except on a
    /// replicated provider, where every replica is compared with the primary (results name the replica's objects).
    /// </summary>
    public async IAsyncEnumerable<IntegrityResult> CheckAsync(StorageLocation target, StorageLocation? reference, IntegrityOptions options,
        [EnumeratorCancellation] CancellationToken ct = default)
    {
        if (reference is null && target.Provider is Providers.Composite.ReplicatedStorageProvider replicated)
        {
            // A replicated address checks itself: every replica against the primary, object by object.
            var primary = new StorageLocation(replicated.Members[0].Provider, target.Key);
            foreach (var replica in replicated.Members.Skip(1))
                await foreach (var result in CheckAsync(new StorageLocation(replica.Provider, target.Key), primary, options, ct).ConfigureAwait(false))
                    yield return result;
            yield break;
        }
        var targetItem = await _transfer.StatAsync(target, ct).ConfigureAwait(false);
        if (reference is null)
        {
            await foreach (var (item, rel) in ItemLister.ExpandAsync(target, options.Recurse, ct).ConfigureAwait(false))
                yield return await SelfCheckAsync(item, target.IsPrefixOnly || targetItem is null ? target.Child(rel) : target, rel, options, ct).ConfigureAwait(false);
            yield break;
        }

        if (targetItem is not null)
        {
            var refLocation = reference;
            var refItem = await _transfer.StatAsync(reference, ct).ConfigureAwait(false);
            if (refItem is null && (reference.IsPrefixOnly || await HasChildrenAsync(reference, ct).ConfigureAwait(false)))
            {
                refLocation = reference.Child(targetItem.Name);
                refItem = await _transfer.StatAsync(refLocation, ct).ConfigureAwait(false);
            }
            yield return refItem is null
                ? new IntegrityResult { Uri = target.Uri, ReferenceUri = refLocation.Uri, Key = targetItem.Name, Status = IntegrityStatus.Extra, Size = targetItem.Size, Detail = "the reference does not exist" }
                : await CompareAsync(targetItem, target, refItem, refLocation, targetItem.Name, options, ct).ConfigureAwait(false);
            yield break;
        }

        // A target that names an object (no trailing '/') and has no children is one missing object, never a tree.
        if (!target.IsPrefixOnly && !await HasChildrenAsync(target, ct).ConfigureAwait(false))
        {
            var referenceItem = await _transfer.StatAsync(reference, ct).ConfigureAwait(false);
            var refLocation = reference;
            if (referenceItem is null && (reference.IsPrefixOnly || await HasChildrenAsync(reference, ct).ConfigureAwait(false)))
            {
                refLocation = reference.Child(StorageItem.NameOf(target.Key));
                referenceItem = await _transfer.StatAsync(refLocation, ct).ConfigureAwait(false);
            }
            yield return new IntegrityResult
            {
                Uri = target.Uri, ReferenceUri = refLocation.Uri, Key = StorageItem.NameOf(target.Key), Status = IntegrityStatus.Missing,
                Size = referenceItem?.Size,
                Detail = referenceItem is null ? "neither the object nor its reference exists" : "the object does not exist",
            };
            yield break;
        }

        await foreach (var result in CompareTreesAsync(target, reference, options, ct).ConfigureAwait(false))
            yield return result;
    }

    // Objects present on both sides are compared several at once (hashing a local file, a HEAD), like rclone's checkers;
    // results still come out in key order, and at most Parallelism comparisons are held, so memory stays flat. A failing
    // comparison ends the walk where the sequential walk would have (results before it are yielded, none after it).
    private async IAsyncEnumerable<IntegrityResult> CompareTreesAsync(StorageLocation target, StorageLocation reference, IntegrityOptions options,
        [EnumeratorCancellation] CancellationToken ct)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var window = new Queue<Task<IntegrityResult>>();
        var parallelism = Math.Max(1, _transfer.Options.Parallelism);
        try
        {
            await foreach (var (rel, t, r) in ListingMerge.MergeAsync(target, reference, options.Recurse, ct).ConfigureAwait(false))
            {
                if (r is null)
                    window.Enqueue(Task.FromResult(new IntegrityResult { Uri = t!.Uri, Key = rel, Status = IntegrityStatus.Extra, Size = t.Size, Detail = "not in the reference" }));
                else if (t is null)
                    window.Enqueue(Task.FromResult(new IntegrityResult { Uri = target.Child(rel).Uri, ReferenceUri = r.Uri, Key = rel, Status = IntegrityStatus.Missing, Detail = "in the reference but not here" }));
                else
                    window.Enqueue(CompareAsync(t, target.Child(rel), r, reference.Child(rel), rel, options, stop.Token));
                while (window.Count > 0 && (window.Count >= parallelism || window.Peek().IsCompleted))
                    yield return await window.Dequeue().ConfigureAwait(false);
            }
            while (window.Count > 0)
                yield return await window.Dequeue().ConfigureAwait(false);
        }
        finally
        {
            // Stopped early (a failure, the consumer stopped, Ctrl+C): the comparisons still running end before the walk does.
            stop.Cancel();
            foreach (var pending in window)
            {
                try { await pending.ConfigureAwait(false); }
                catch (Exception) when (pending.IsFaulted || pending.IsCanceled) { }
            }
        }
    }

    private async Task<IntegrityResult> CompareAsync(StorageItem t, StorageLocation tLoc, StorageItem r, StorageLocation rLoc, string key,
        IntegrityOptions options, CancellationToken ct)
    {
        var result = new IntegrityResult { Uri = t.Uri, ReferenceUri = r.Uri, Key = key, Status = IntegrityStatus.Match, Size = t.Size };
        if (t.Size != r.Size)
            return result with { Status = IntegrityStatus.Mismatch, Detail = $"sizes differ: {t.Size} vs {r.Size} bytes" };

        // 1. A hash both report without reading: natively, or stored in metadata at upload (on either side).
        if (Decide(result, t, r) is { } listed) return listed;

        // 2. A listing may lack what a stat has (S3 lists no metadata, so no stored hash): one HEAD per side that keeps
        // metadata — unless that side's listing already reports a native hash the other side can produce (a single-part
        // S3 object's MD5 against a local file): then its stat would add nothing, and a HEAD per object made checking
        // 2,000 files against S3 six times slower than rclone's check, which reads the listing only.
        var tStat = NeedsStat(t, tLoc, rLoc) ? await _transfer.StatAsync(tLoc, ct).ConfigureAwait(false) ?? t : t;
        var rStat = NeedsStat(r, rLoc, tLoc) ? await _transfer.StatAsync(rLoc, ct).ConfigureAwait(false) ?? r : r;
        if ((!ReferenceEquals(tStat, t) || !ReferenceEquals(rStat, r)) && Decide(result, tStat, rStat) is { } stated) return stated;

        // 3. A hash each provider can produce without a download (a local disk hashes its own files).
        foreach (var alg in Preference)
        {
            if (!ProviderAbilities.CanHash(tLoc, alg) || !ProviderAbilities.CanHash(rLoc, alg)) continue;
            var (th, tStored) = Reported(tStat, alg);
            var (rh, rStored) = Reported(rStat, alg);
            th ??= await ProviderAbilities.GetHashAsync(tLoc, tStat, alg, ct).ConfigureAwait(false);
            rh ??= await ProviderAbilities.GetHashAsync(rLoc, rStat, alg, ct).ConfigureAwait(false);
            if (th is not null && rh is not null)
                return Verdict(result, alg, th, rh, tStored || rStored ? IntegrityMethod.StoredHash : IntegrityMethod.NativeHash);
        }

        // 3. The last resort: stream both.
        if (!options.Download)
            return result with { Status = IntegrityStatus.Unverifiable, Detail = "no hash common to both sides; use -Download to compare the content" };
        var tHash = await StreamHashAsync(tLoc, HashAlgorithmKind.MD5, ct).ConfigureAwait(false);
        var rHash = await StreamHashAsync(rLoc, HashAlgorithmKind.MD5, ct).ConfigureAwait(false);
        return Verdict(result, HashAlgorithmKind.MD5, tHash, rHash, IntegrityMethod.Download);
    }

    private static bool NeedsStat(StorageItem listed, StorageLocation location, StorageLocation other) =>
        listed.Metadata.Count == 0 && location.Provider.Capabilities.UserMetadata
        && !Preference.Any(alg => listed.GetHash(alg) is not null && ProviderAbilities.CanHash(other, alg));

    private async Task<IntegrityResult> SelfCheckAsync(StorageItem item, StorageLocation location, string key, IntegrityOptions options, CancellationToken ct)
    {
        var result = new IntegrityResult { Uri = item.Uri, Key = key, Status = IntegrityStatus.Unverifiable, Size = item.Size };
        var alg = Preference.FirstOrDefault(a => Reported(item, a).Hash is not null);
        var expected = Reported(item, alg).Hash;
        if (expected is null)
            return result with { Detail = "the object has no reported or stored hash to verify against" };
        if (!options.Download)
            return result with { Algorithm = alg, ReferenceHash = expected.Hex, Detail = "no reference given; use -Download to verify the content against its reported hash" };
        var actual = await StreamHashAsync(location, alg, ct).ConfigureAwait(false);
        return Verdict(result with { ReferenceUri = item.Uri }, alg, actual, expected, IntegrityMethod.Download);
    }

    // A verdict from hashes the two items report (natively or stored), in preference order; null when none is common.
    private static IntegrityResult? Decide(IntegrityResult result, StorageItem t, StorageItem r)
    {
        foreach (var alg in Preference)
        {
            var (th, tStored) = Reported(t, alg);
            var (rh, rStored) = Reported(r, alg);
            if (th is null || rh is null) continue;
            return Verdict(result, alg, th, rh, tStored || rStored ? IntegrityMethod.StoredHash : IntegrityMethod.NativeHash);
        }
        return null;
    }

    private static IntegrityResult Verdict(IntegrityResult r, HashAlgorithmKind alg, ContentHash mine, ContentHash theirs, IntegrityMethod method) =>
        r with
        {
            Status = mine.Equals(theirs) ? IntegrityStatus.Match : IntegrityStatus.Mismatch,
            Method = method, Algorithm = alg, Hash = mine.Hex, ReferenceHash = theirs.Hex,
            Detail = mine.Equals(theirs) ? $"{alg} equal" : $"{alg} differs",
        };

    private static (ContentHash? Hash, bool Stored) Reported(StorageItem item, HashAlgorithmKind alg) => StoredHashes.Reported(item, alg);

    // Reads the whole object once and hashes it as it streams by.
    private async Task<ContentHash> StreamHashAsync(StorageLocation location, HashAlgorithmKind algorithm, CancellationToken ct)
    {
        await using var read = await location.Provider.OpenReadAsync(location.Key, null, ct).ConfigureAwait(false);
        await using var hashing = new Hashing.HashingStream(read, includeSha256: algorithm == HashAlgorithmKind.SHA256);
        await hashing.CopyToAsync(Stream.Null, _transfer.Options.BufferSize, ct).ConfigureAwait(false);
        return hashing.GetHashes().First(h => h.Algorithm == algorithm);
    }

    private static async Task<bool> HasChildrenAsync(StorageLocation location, CancellationToken ct)
    {
        await foreach (var _ in location.Provider.ListAsync(new ListRequest { Prefix = location.AsPrefix, PageSize = 1 }, ct).ConfigureAwait(false))
            return true;
        return false;
    }

}
