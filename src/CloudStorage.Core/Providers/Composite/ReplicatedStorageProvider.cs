using System.Runtime.CompilerServices;
using CloudStorage.Core.Addressing;
using CloudStorage.Core.Errors;
using CloudStorage.Core.Model;

namespace CloudStorage.Core.Providers.Composite;

/// <summary>
/// One address over several copies of a store (a primary and its replicas). Writes go to the primary and to every
/// replica — copied server-side from the primary where the replica's <see cref="ProviderCapabilities.Copier"/> can reach
/// it, else fed the same bytes while the primary is written, so the source is read once — and succeed as
/// <see cref="ReplicaPolicy"/> says; each replica's outcome is reported (<see cref="ReplicationLog"/>). Reads, stats and
/// listings come from the first replica that answers, failing over on transient errors and missing objects; deletes go
/// everywhere. A circuit breaker per replica keeps a replica known to be down out of the way. No retries are added
/// here: each replica's provider has the one retry layer.
/// </summary>
internal sealed class ReplicatedStorageProvider : IStorageProvider, ICompositeProvider
{
    private readonly IReadOnlyList<IStorageProvider> _replicas;
    private readonly IReadOnlyList<IReplicaBreaker> _breakers;
    private ProviderCapabilities? _capabilities;

    public ReplicatedStorageProvider(string name, IReadOnlyList<IStorageProvider> replicas, ReplicaPolicy policy, IReadOnlyList<IReplicaBreaker>? breakers = null)
    {
        if (replicas.Count < 2) throw new ArgumentException("A replicated provider needs two or more replicas.", nameof(replicas));
        Name = name;
        AddressRoot = name + ":";
        _replicas = replicas;
        _breakers = breakers ?? replicas.Select(_ => (IReplicaBreaker)PassThroughBreaker.Instance).ToList();
        Policy = policy;
        Members = replicas.Select((r, i) => new CompositeMember(i == 0 ? "Primary" : "Replica", r, _breakers[i])).ToList();
    }

    public string Name { get; }

    public string AddressRoot { get; }

    public ReplicaPolicy Policy { get; }

    public IReadOnlyList<CompositeMember> Members { get; }

    public ProviderCapabilities Capabilities => _capabilities ??= Derive();

    // ---- reads: the first replica that answers ----

    public async IAsyncEnumerable<StorageItem> ListAsync(ListRequest request, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var failures = new List<StorageException>();
        string? last = null;
        for (var i = 0; i < _replicas.Count; i++)
        {
            if (_breakers[i].IsOpen)
            {
                failures.Add(BreakerOpen(i));
                continue;
            }
            // A listing that breaks part-way goes on from the next replica after the last key already handed out.
            var resumeAfter = last;
            var items = _replicas[i].ListAsync(request, cancellationToken).GetAsyncEnumerator(cancellationToken);
            var failed = false;
            try
            {
                while (true)
                {
                    bool more;
                    try
                    {
                        more = await _breakers[i].ExecuteAsync(_ => items.MoveNextAsync().AsTask(), cancellationToken).ConfigureAwait(false);
                    }
                    catch (StorageException e) when (FailsOver(e, notFound: true))
                    {
                        failures.Add(e);
                        failed = true;
                        break;
                    }
                    if (!more) break;
                    var item = items.Current;
                    if (resumeAfter is not null && KeyComparer.Instance.Compare(item.Key, resumeAfter) <= 0) continue;
                    last = item.Key;
                    yield return Readdress(item);
                }
            }
            finally
            {
                await items.DisposeAsync().ConfigureAwait(false);
            }
            if (!failed) yield break;
        }
        throw NoReplica("List", AddressRoot + request.Prefix, failures);
    }

    public async Task<StorageItem?> StatAsync(string key, CancellationToken cancellationToken = default)
    {
        var failures = new List<StorageException>();
        var answered = false;
        for (var i = 0; i < _replicas.Count; i++)
        {
            if (_breakers[i].IsOpen)
            {
                failures.Add(BreakerOpen(i));
                continue;
            }
            try
            {
                var item = await _breakers[i].ExecuteAsync(ct => _replicas[i].StatAsync(key, ct), cancellationToken).ConfigureAwait(false);
                if (item is not null) return Readdress(item);
                answered = true; // missing here: a replica may still hold it
            }
            catch (StorageException e) when (FailsOver(e, notFound: false))
            {
                failures.Add(e);
            }
        }
        // Missing wherever a replica answered; only when none could answer is that an error.
        return answered ? null : throw NoReplica("Stat", AddressRoot + key, failures);
    }

    public async Task<Stream> OpenReadAsync(string key, ByteRange? range = null, CancellationToken cancellationToken = default)
    {
        var (stream, replica) = await OpenOnAsync(0, key, range, cancellationToken).ConfigureAwait(false);
        return new FailoverReadStream(this, key, range, replica, stream);
    }

    /// <summary>Opens the object on the first replica from <paramref name="start"/> on that has it and answers.</summary>
    internal async Task<(Stream Stream, int Replica)> OpenOnAsync(int start, string key, ByteRange? range, CancellationToken ct)
    {
        var failures = new List<StorageException>();
        for (var i = start; i < _replicas.Count; i++)
        {
            if (_breakers[i].IsOpen)
            {
                failures.Add(BreakerOpen(i));
                continue;
            }
            try
            {
                return (await _breakers[i].ExecuteAsync(c => _replicas[i].OpenReadAsync(key, range, c), ct).ConfigureAwait(false), i);
            }
            catch (StorageException e) when (FailsOver(e, notFound: true))
            {
                failures.Add(e);
            }
        }
        if (failures.Count > 0 && failures.All(f => f.Kind == StorageErrorKind.NotFound))
            throw StorageException.NotFound(AddressRoot + key, Name);
        throw NoReplica("OpenRead", AddressRoot + key, failures);
    }

    internal int ReplicaCount => _replicas.Count;

    // ---- writes: the primary, then every replica ----

    public async Task<StorageItem> WriteAsync(string key, Stream content, WriteOptions options, CancellationToken cancellationToken = default)
    {
        var outcomes = new ReplicaOutcome?[_replicas.Count];
        var copied = CopiesFromPrimary();
        // The primary and every replica that cannot copy from it take the caller's bytes as they are read, once.
        var fed = Enumerable.Range(0, _replicas.Count).Where(i => i == 0 || !copied[i]).ToList();
        var items = new StorageItem?[_replicas.Count];
        if (fed.Count == 1)
        {
            try
            {
                items[0] = await _breakers[0].ExecuteAsync(ct => _replicas[0].WriteAsync(key, content, options, ct), cancellationToken).ConfigureAwait(false);
                outcomes[0] = Outcome(0, key, ReplicaWriteMethod.Streamed, null);
            }
            catch (StorageException e)
            {
                outcomes[0] = Outcome(0, key, ReplicaWriteMethod.Streamed, e);
            }
        }
        else
        {
            var results = await ReplicaFanOut.WriteAsync(content,
                fed.Select(i => (Func<Stream, CancellationToken, Task<StorageItem>>)((s, ct) =>
                    _breakers[i].ExecuteAsync(c => _replicas[i].WriteAsync(key, s, options, c), ct))).ToList(),
                options.Length, cancellationToken).ConfigureAwait(false);
            for (var j = 0; j < fed.Count; j++)
            {
                items[fed[j]] = results[j].Item;
                outcomes[fed[j]] = Outcome(fed[j], key, ReplicaWriteMethod.Streamed, results[j].Error);
            }
        }
        await CopyFromPrimaryAsync(key, options, outcomes, items, cancellationToken).ConfigureAwait(false);
        return Conclude("Write", key, outcomes!, items);
    }

    public async Task DeleteAsync(string key, CancellationToken cancellationToken = default)
    {
        var outcomes = await Task.WhenAll(_replicas.Select(async (replica, i) =>
        {
            try
            {
                await _breakers[i].ExecuteAsync(async ct => { await replica.DeleteAsync(key, ct).ConfigureAwait(false); return true; }, cancellationToken).ConfigureAwait(false);
                return Outcome(i, key, ReplicaWriteMethod.Delete, null);
            }
            catch (StorageException e)
            {
                return Outcome(i, key, ReplicaWriteMethod.Delete, e);
            }
        })).ConfigureAwait(false);
        Conclude("Delete", key, outcomes, null);
    }

    /// <summary>For each replica, true when it can copy from the primary server-side.</summary>
    private bool[] CopiesFromPrimary()
    {
        var primary = ProviderDecorator.Innermost(_replicas[0], "").Provider;
        return _replicas.Select((r, i) => i > 0 && r.Capabilities.Copier is { } c && c.CanCopyFrom(primary)).ToArray();
    }

    /// <summary>
    /// Brings every replica without an outcome yet up to the primary's object: server-side where it can, else from one
    /// read of the primary fanned out to all of them. Nothing is attempted when the primary does not hold the object.
    /// </summary>
    private async Task CopyFromPrimaryAsync(string key, WriteOptions options, ReplicaOutcome?[] outcomes, StorageItem?[] items, CancellationToken ct)
    {
        var pending = Enumerable.Range(1, _replicas.Count - 1).Where(i => outcomes[i] is null).ToList();
        if (pending.Count == 0) return;
        if (outcomes[0] is { Succeeded: false } primaryFailure)
        {
            foreach (var i in pending)
                outcomes[i] = Outcome(i, key, ReplicaWriteMethod.NotAttempted, new StorageException(primaryFailure.Error!.Kind,
                    $"Not replicated: the primary '{primaryFailure.ReplicaUri}' does not hold it ({primaryFailure.Error.Message}).", _replicas[i].AddressRoot + key, Name));
            return;
        }
        var copyOptions = options with { ExpectedHashes = null, Length = null };
        var copied = CopiesFromPrimary();
        var serverSide = pending.Where(i => copied[i]).ToList();
        var streamed = pending.Where(i => !copied[i]).ToList();
        // Copiers are handed the provider holding the bytes (the engine's rule; a decorator's copier unwraps again).
        var (primary, primaryKey) = ProviderDecorator.Innermost(_replicas[0], key);
        var copies = serverSide.Select(async i =>
        {
            try
            {
                items[i] = await _breakers[i].ExecuteAsync(c => _replicas[i].Capabilities.Copier!.CopyFromAsync(primary, primaryKey, key, copyOptions, c), ct).ConfigureAwait(false);
                outcomes[i] = Outcome(i, key, ReplicaWriteMethod.ServerSideCopy, null);
            }
            catch (StorageException e)
            {
                outcomes[i] = Outcome(i, key, ReplicaWriteMethod.ServerSideCopy, e);
            }
        }).ToList();
        if (streamed.Count > 0)
        {
            copies.Add(Task.Run(async () =>
            {
                try
                {
                    var source = await _replicas[0].StatAsync(key, ct).ConfigureAwait(false)
                        ?? throw StorageException.NotFound(_replicas[0].AddressRoot + key, _replicas[0].Name);
                    var streamOptions = options with { ExpectedHashes = source.Hashes.Count > 0 ? source.Hashes : null, Length = source.Size };
                    await using var read = await _replicas[0].OpenReadAsync(key, null, ct).ConfigureAwait(false);
                    var results = await ReplicaFanOut.WriteAsync(read,
                        streamed.Select(i => (Func<Stream, CancellationToken, Task<StorageItem>>)((s, c) =>
                            _breakers[i].ExecuteAsync(cc => _replicas[i].WriteAsync(key, s, streamOptions, cc), c))).ToList(),
                        source.Size, ct).ConfigureAwait(false);
                    for (var j = 0; j < streamed.Count; j++)
                    {
                        items[streamed[j]] = results[j].Item;
                        outcomes[streamed[j]] = Outcome(streamed[j], key, ReplicaWriteMethod.Streamed, results[j].Error);
                    }
                }
                catch (StorageException e)
                {
                    foreach (var i in streamed) outcomes[i] ??= Outcome(i, key, ReplicaWriteMethod.Streamed, e);
                }
            }, ct));
        }
        await Task.WhenAll(copies).ConfigureAwait(false);
    }

    /// <summary>Applies the policy: reports every outcome and returns the stored item, or throws naming each failed replica.</summary>
    private StorageItem Conclude(string operation, string key, IReadOnlyList<ReplicaOutcome> outcomes, StorageItem?[]? items)
    {
        var succeeded = outcomes.Count(o => o.Succeeded);
        var ok = Policy switch
        {
            ReplicaPolicy.Primary => outcomes[0].Succeeded,
            ReplicaPolicy.Quorum => succeeded * 2 > outcomes.Count,
            _ => succeeded == outcomes.Count,
        };
        if (!ok)
        {
            var failed = outcomes.Where(o => !o.Succeeded).ToList();
            var first = outcomes[0].Error ?? failed[0].Error!;
            throw new StorageException(first.Kind,
                $"{operation} of '{AddressRoot + key}' failed its replica policy {Policy} ({succeeded} of {outcomes.Count} replicas succeeded): "
                + string.Join("; ", failed.Select(o => $"'{o.ReplicaUri}': {o.Error!.Message}")),
                AddressRoot + key, Name, first, isTransient: false);
        }
        foreach (var outcome in outcomes) ReplicationLog.Write(outcome);
        if (items is null) return null!;
        var item = items[0] ?? items.First(i => i is not null)!;
        return Readdress(item);
    }

    // ---- abilities: derived from the replicas' records ----

    private ProviderCapabilities Derive()
    {
        var all = _replicas.Select(r => r.Capabilities).ToList();
        var primary = all[0];
        return new ProviderCapabilities
        {
            // What every replica holds: a failover listing or read must keep the promise.
            ListedHashes = all.Skip(1).Aggregate(new HashSet<HashAlgorithmKind>(primary.ListedHashes), (set, c) => { set.IntersectWith(c.ListedHashes); return set; }),
            UserMetadata = all.All(c => c.UserMetadata),
            ContentType = all.All(c => c.ContentType),
            ContentHeaders = all.All(c => c.ContentHeaders),
            MetadataNames = all.Any(c => c.MetadataNames == MetadataNameRule.Identifier) ? MetadataNameRule.Identifier : MetadataNameRule.Any,
            MetadataAsciiValuesOnly = all.Any(c => c.MetadataAsciiValuesOnly),
            Tags = all.All(c => c.Tags),
            StorageClass = all.All(c => c.StorageClass),
            CanSetModifiedTime = all.All(c => c.CanSetModifiedTime),
            ModifiedTimePrecision = all.Max(c => c.ModifiedTimePrecision),
            MaxListPageSize = all.Min(c => c.MaxListPageSize),
            Versions = all.All(c => c.Versions),
            ParallelRangeReads = primary.ParallelRangeReads,
            // The primary's own: a copy lands there first; URLs, hashes and existence are the primary's.
            Copier = primary.Copier is null ? null : new PrimaryCopier(this),
            Presigner = primary.Presigner is { } p ? new PrimaryPresigner(this, p) : null,
            HashSource = primary.HashSource,
            ExistenceProbe = primary.ExistenceProbe,
            // Each replica deletes in its own batches (or one by one); each key's outcome per replica is still known.
            BatchDeleter = MemberDeletes.AnyBatches(_replicas) ? new ReplicaBatchDeleter(this) : null,
        };
    }

    /// <summary>Server-side copy into this provider: to the primary, then to the replicas from it.</summary>
    private sealed class PrimaryCopier(ReplicatedStorageProvider owner) : IServerSideCopier
    {
        // A copy within this provider is a copy within the primary (then replicated from it, as for any write).
        public bool CanCopyFrom(IStorageProvider source) =>
            owner._replicas[0].Capabilities.Copier?.CanCopyFrom(ReferenceEquals(source, owner) ? ProviderDecorator.Innermost(owner._replicas[0], "").Provider : source) == true;

        public async Task<StorageItem> CopyFromAsync(IStorageProvider source, string sourceKey, string destinationKey, WriteOptions options, CancellationToken cancellationToken = default)
        {
            if (ReferenceEquals(source, owner)) (source, sourceKey) = ProviderDecorator.Innermost(owner._replicas[0], sourceKey);
            var outcomes = new ReplicaOutcome?[owner._replicas.Count];
            var items = new StorageItem?[owner._replicas.Count];
            try
            {
                items[0] = await owner._breakers[0].ExecuteAsync(c => owner._replicas[0].Capabilities.Copier!.CopyFromAsync(source, sourceKey, destinationKey, options, c), cancellationToken).ConfigureAwait(false);
                outcomes[0] = owner.Outcome(0, destinationKey, ReplicaWriteMethod.ServerSideCopy, null);
            }
            catch (StorageException e) when (e.Kind != StorageErrorKind.NotFound)
            {
                outcomes[0] = owner.Outcome(0, destinationKey, ReplicaWriteMethod.ServerSideCopy, e);
            }
            await owner.CopyFromPrimaryAsync(destinationKey, options, outcomes, items, cancellationToken).ConfigureAwait(false);
            return owner.Conclude("Copy", destinationKey, outcomes!, items);
        }
    }

    /// <summary>
    /// Deletes from every replica at once, each in its own batches (or one key at a time where it has none), then decides
    /// each key by the policy as <see cref="DeleteAsync"/> does: every replica's outcome reported, a key failing the
    /// policy carries the error naming each failed replica.
    /// </summary>
    private sealed class ReplicaBatchDeleter(ReplicatedStorageProvider owner) : IBatchDeleter
    {
        public int MaxBatchSize { get; } = MemberDeletes.BatchSize(owner._replicas);

        public async Task<IReadOnlyList<DeleteResult>> DeleteManyAsync(IReadOnlyList<string> keys, CancellationToken cancellationToken = default)
        {
            var perReplica = await Task.WhenAll(owner._replicas.Select(async (replica, i) =>
            {
                try
                {
                    return await owner._breakers[i].ExecuteAsync(async ct =>
                    {
                        var results = await MemberDeletes.DeleteManyAsync(replica, keys, ct).ConfigureAwait(false);
                        // A request that failed as a whole gives its error to every key: let the breaker count it.
                        if (results.Length > 0 && results.All(r => r.Error is { IsTransient: true })) throw results[0].Error!;
                        return results;
                    }, cancellationToken).ConfigureAwait(false);
                }
                catch (StorageException e)
                {
                    return keys.Select(k => new DeleteResult(k, e)).ToArray();
                }
            })).ConfigureAwait(false);

            var answer = new DeleteResult[keys.Count];
            for (var k = 0; k < keys.Count; k++)
            {
                var outcomes = perReplica.Select((results, i) => owner.Outcome(i, keys[k], ReplicaWriteMethod.Delete, results[k].Error)).ToList();
                try
                {
                    owner.Conclude("Delete", keys[k], outcomes, null);
                    answer[k] = new DeleteResult(keys[k]);
                }
                catch (StorageException e)
                {
                    answer[k] = new DeleteResult(keys[k], e);
                }
            }
            return answer;
        }
    }

    /// <summary>The primary's presigned URLs, addressed as this provider's objects.</summary>
    private sealed class PrimaryPresigner(ReplicatedStorageProvider owner, IPresigner primary) : IPresigner
    {
        public TimeSpan MaxExpiry => primary.MaxExpiry;

        public async Task<PresignedUrl> PresignAsync(string key, PresignRequest request, CancellationToken cancellationToken = default) =>
            await primary.PresignAsync(key, request, cancellationToken).ConfigureAwait(false) with { Uri = owner.AddressRoot + key };
    }

    // ---- helpers ----

    private ReplicaOutcome Outcome(int i, string key, ReplicaWriteMethod method, StorageException? error) => new()
    {
        Uri = AddressRoot + key,
        ReplicaUri = _replicas[i].AddressRoot + key,
        IsPrimary = i == 0,
        Method = method,
        Error = error,
    };

    private StorageItem Readdress(StorageItem item) => CompositeItems.Present(item, this);

    /// <summary>Failures another replica may not have: transient ones (an open breaker is one) and, where asked, a missing object.</summary>
    internal static bool FailsOver(StorageException e, bool notFound) =>
        e.IsTransient || (notFound && e.Kind == StorageErrorKind.NotFound);

    private StorageException BreakerOpen(int i) =>
        new(StorageErrorKind.Transient, $"The circuit breaker of replica '{_replicas[i].AddressRoot}' is open (it failed recently); not tried.", _replicas[i].AddressRoot, Name);

    private StorageException NoReplica(string operation, string target, IReadOnlyList<StorageException> failures) =>
        new(failures.Count > 0 ? failures[0].Kind : StorageErrorKind.Transient,
            $"{operation} of '{target}' failed on every replica: " + string.Join("; ", failures.Select(f => f.Message)),
            target, Name, failures.FirstOrDefault(), isTransient: failures.Any(f => f.IsTransient));

    /// <summary>True while replica <paramref name="i"/>'s breaker is open.</summary>
    internal bool IsOpen(int i) => _breakers[i].IsOpen;
}
