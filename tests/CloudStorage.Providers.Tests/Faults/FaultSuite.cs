using System.Collections.Concurrent;
using System.Diagnostics;
using System.Security.Cryptography;
using CloudStorage.Core.Addressing;
using CloudStorage.Core.Errors;
using CloudStorage.Core.Model;
using CloudStorage.Providers.Common;
using CloudStorage.Core.Providers.Local;
using CloudStorage.Providers.Resilience;
using CloudStorage.Core.Sync;
using CloudStorage.Core.Transfer;
using Xunit.Abstractions;
using CloudStorage.Core.Providers;

namespace CloudStorage.Providers.Tests.Faults;

/// <summary>
/// The fault-injection suite, the same for every cloud: a <see cref="FaultProxy"/> in front of the cloud's emulator
/// injects one kind of fault (or all of them) into a share of the requests, and an upload of a folder, a download of
/// a prefix and a sync each still complete, with every object verified by hash against the emulator directly (not
/// through the proxy), nothing lost and no partial or temporary file left. A cloud's class gives its providers.
/// Small objects and short timeouts keep it fast; retry delays are short, but a server's Retry-After is honoured.
/// </summary>
public abstract class FaultSuite(ITestOutputHelper output) : IAsyncLifetime
{
    /// <summary>Objects per fault-kind test.</summary>
    protected const int SmallSet = 8;

    /// <summary>The share of requests faulted in the per-kind tests.</summary>
    protected const double KindRate = 0.3;

    /// <summary>The share of requests faulted in the mixed 200-object tests.</summary>
    protected const double MixedRate = 0.2;

    /// <summary>The read timeout the proxied providers use, so stalls end quickly.</summary>
    protected static readonly HttpTimeouts FastTimeouts = new() { Connect = TimeSpan.FromSeconds(2), Read = TimeSpan.FromSeconds(1.5) };

    private readonly List<string> _folders = [];
    private readonly ConcurrentQueue<StorageRetryEvent> _retries = new();
    private FaultProxy? _proxy;

    /// <summary>Every fault kind that a retry can cure, one per test.</summary>
    public static TheoryData<FaultKind> Kinds => new()
    {
        FaultKind.Unavailable503, FaultKind.Internal500, FaultKind.Throttled429, FaultKind.Reset, FaultKind.Stall, FaultKind.ShortBody, FaultKind.StallMidBody,
    };

    /// <summary>All kinds, mixed.</summary>
    protected static readonly FaultKind[] AllKinds =
        [FaultKind.Unavailable503, FaultKind.Internal500, FaultKind.Throttled429, FaultKind.Reset, FaultKind.Stall, FaultKind.ShortBody, FaultKind.StallMidBody];

    /// <summary>The emulator's endpoint the proxy forwards to.</summary>
    protected abstract Uri Upstream { get; }

    /// <summary>A fresh container/bucket for one test.</summary>
    protected abstract Task<string> NewContainerAsync();

    /// <summary>The cloud provider itself (no retry layer) for <paramref name="container"/>, reaching the cloud at <paramref name="endpoint"/>.</summary>
    protected abstract IStorageProvider CreateInner(string container, Uri endpoint, HttpTimeouts timeouts, StorageResilienceOptions retry);

    /// <summary>Cleans up a container/bucket.</summary>
    protected virtual Task DeleteContainerAsync(string container) => Task.CompletedTask;

    /// <summary>The retries the proxied provider uses: four, short delays, Retry-After honoured up to 2 s.</summary>
    protected StorageResilienceOptions Retry => new()
    {
        MaxRetryAttempts = 4,
        BaseDelay = TimeSpan.FromMilliseconds(10),
        MaxDelay = TimeSpan.FromMilliseconds(200),
        MaxRetryAfter = TimeSpan.FromSeconds(2),
        OnRetry = _retries.Enqueue,
    };

    /// <summary>Retries seen so far.</summary>
    protected IReadOnlyCollection<StorageRetryEvent> Retries => _retries;

    /// <summary>The proxy of this test (started on first use).</summary>
    protected FaultProxy Proxy => _proxy ??= new FaultProxy(Upstream);

    /// <summary>The provider as a user gets it: the retry layer around the cloud provider, through the proxy.</summary>
    protected IStorageProvider Proxied(string container) =>
        new ResilientStorageProvider(CreateInner(container, Proxy.Endpoint, FastTimeouts, Retry), Retry);

    /// <summary>The same container reached directly, for set-up and verification.</summary>
    protected IStorageProvider Direct(string container) =>
        new ResilientStorageProvider(CreateInner(container, Upstream, new HttpTimeouts(), new StorageResilienceOptions()), new StorageResilienceOptions());

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        if (_proxy is not null)
        {
            output.WriteLine($"proxy: {_proxy.Requests} requests, {_proxy.TotalInjected} faults ({string.Join(", ", _proxy.Injected.Select(p => $"{p.Key}={p.Value}"))}), {_retries.Count} retries");
            await _proxy.DisposeAsync();
        }
        foreach (var folder in _folders)
            try { Directory.Delete(folder, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    // ------------------------------------------------------------------ building blocks

    /// <summary>A new local folder with <paramref name="count"/> files of 1–4 KiB (seeded contents), in two levels.</summary>
    protected string NewSourceFolder(int count, int seed = 7)
    {
        var folder = NewFolder();
        var random = new Random(seed);
        for (var i = 0; i < count; i++)
        {
            var relative = i % 3 == 0 ? $"d{i % 4}/f{i:D3}.bin" : $"f{i:D3}.bin";
            var path = Path.Combine(folder, relative);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            var bytes = new byte[1024 + random.Next(3 * 1024)];
            random.NextBytes(bytes);
            File.WriteAllBytes(path, bytes);
        }
        return folder;
    }

    /// <summary>A new empty local folder, removed after the test.</summary>
    protected string NewFolder()
    {
        var folder = Path.Combine(Path.GetTempPath(), "cs-fault-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(folder);
        _folders.Add(folder);
        return folder;
    }

    /// <summary>Relative paths ('/'-separated) and MD5s of every file under <paramref name="folder"/>, hidden ones included.</summary>
    protected static Dictionary<string, string> FolderHashes(string folder) =>
        Directory.EnumerateFiles(folder, "*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0 })
            .ToDictionary(f => Path.GetRelativePath(folder, f).Replace(Path.DirectorySeparatorChar, '/'),
                f => Convert.ToHexString(MD5.HashData(File.ReadAllBytes(f))), StringComparer.Ordinal);

    /// <summary>Keys (relative to <paramref name="prefix"/>) and MD5s of every object under it, read back in full through <paramref name="provider"/>.</summary>
    protected static async Task<Dictionary<string, string>> StoredHashesAsync(IStorageProvider provider, string prefix)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        await foreach (var item in provider.ListAsync(new ListRequest { Prefix = prefix }))
        {
            if (item.IsPrefix) continue;
            await using var read = await provider.OpenReadAsync(item.Key);
            var buffer = new MemoryStream();
            await read.CopyToAsync(buffer);
            result[item.Key[prefix.Length..]] = Convert.ToHexString(MD5.HashData(buffer.ToArray()));
        }
        return result;
    }

    /// <summary>Copies every object of <paramref name="from"/> to <paramref name="to"/>, four at a time; the failures, by key.</summary>
    private protected static async Task<Dictionary<string, Exception>> CopyAllAsync(StorageLocation from, StorageLocation to)
    {
        var engine = new TransferEngine();
        var failures = new ConcurrentDictionary<string, Exception>();
        var items = new List<StorageItem>();
        await foreach (var item in from.Provider.ListAsync(new ListRequest { Prefix = from.AsPrefix }))
            if (!item.IsPrefix) items.Add(item);
        await Parallel.ForEachAsync(items, new ParallelOptions { MaxDegreeOfParallelism = 4 }, async (item, ct) =>
        {
            var relative = item.Key[from.AsPrefix.Length..];
            try
            {
                await engine.CopyItemAsync(item, new StorageLocation(from.Provider, item.Key), to.Child(relative), new CopyRequest { Overwrite = true }, null, ct);
            }
            catch (Exception e)
            {
                failures[relative] = e;
            }
        });
        return new Dictionary<string, Exception>(failures);
    }

    /// <summary>Runs a sync and returns its summary and the actions heard.</summary>
    private protected static async Task<(SyncSummary Summary, List<SyncAction> Actions)> SyncAsync(StorageLocation from, StorageLocation to, CancellationToken ct = default,
        Action<SyncAction>? onAction = null)
    {
        var observer = new RecordingObserver(onAction);
        var summary = await new SyncEngine(new TransferEngine()).RunAsync(from, to, new SyncOptions(), observer, ct);
        return (summary, observer.Actions);
    }

    /// <summary>A local provider for <paramref name="folder"/>.</summary>
    private protected static StorageLocation Local(string folder) => new(new LocalStorageProvider(folder), "");

    /// <summary>Sets the proxy's plan: <paramref name="kinds"/> at <paramref name="rate"/>.</summary>
    protected void Inject(double rate, params FaultKind[] kinds) => Proxy.Plan = new FaultPlan(rate, kinds, Seed: 11);

    /// <summary>Asserts that the proxy injected faults of every one of <paramref name="kinds"/>.</summary>
    protected void AssertInjected(params FaultKind[] kinds)
    {
        foreach (var kind in kinds)
            Assert.True(Proxy.Injected.GetValueOrDefault(kind) > 0, $"no {kind} fault was injected ({Proxy.Requests} requests)");
    }

    private static void AssertSame(Dictionary<string, string> expected, Dictionary<string, string> actual)
    {
        Assert.Equal(expected.Keys.Order(StringComparer.Ordinal), actual.Keys.Order(StringComparer.Ordinal));
        foreach (var (key, md5) in expected) Assert.True(md5 == actual[key], $"'{key}' differs");
    }

    private static string FailureText(Dictionary<string, Exception> failures) =>
        string.Join("\n", failures.Select(f => $"{f.Key}: {f.Value.GetType().Name}: {f.Value.Message}"));

    // ------------------------------------------------------------------ the scenarios

    /// <summary>Upload a folder under faults of <paramref name="kinds"/>; every object lands whole.</summary>
    protected async Task UploadScenarioAsync(int count, double rate, params FaultKind[] kinds)
    {
        await InContainerAsync(async container =>
        {
            var source = NewSourceFolder(count);
            Inject(rate, kinds);
            var clock = Stopwatch.StartNew();
            var failures = await CopyAllAsync(Local(source), new StorageLocation(Proxied(container), "up/"));
            output.WriteLine($"upload of {count} objects: {clock.Elapsed.TotalSeconds:0.0} s");
            Assert.True(failures.Count == 0, FailureText(failures));
            AssertInjected(kinds);
            AssertSame(FolderHashes(source), await StoredHashesAsync(Direct(container), "up/"));
        });
    }

    /// <summary>Download a prefix under faults; every file lands whole, and no partial or temporary file is left.</summary>
    protected async Task DownloadScenarioAsync(int count, double rate, params FaultKind[] kinds)
    {
        await InContainerAsync(async container =>
        {
            var source = NewSourceFolder(count);
            var seeded = await CopyAllAsync(Local(source), new StorageLocation(Direct(container), "down/"));
            Assert.Empty(seeded);
            var target = NewFolder();
            Inject(rate, kinds);
            var clock = Stopwatch.StartNew();
            var failures = await CopyAllAsync(new StorageLocation(Proxied(container), "down/"), Local(target));
            output.WriteLine($"download of {count} objects: {clock.Elapsed.TotalSeconds:0.0} s");
            Assert.True(failures.Count == 0, FailureText(failures));
            AssertInjected(kinds);
            AssertSame(FolderHashes(source), FolderHashes(target)); // hidden temporary files would show here
        });
    }

    /// <summary>Sync a folder under faults; the summary has no failure and every object is whole.</summary>
    protected async Task SyncScenarioAsync(int count, double rate, params FaultKind[] kinds)
    {
        await InContainerAsync(async container =>
        {
            var source = NewSourceFolder(count);
            Inject(rate, kinds);
            var clock = Stopwatch.StartNew();
            var (summary, actions) = await SyncAsync(Local(source), new StorageLocation(Proxied(container), "sync/"));
            output.WriteLine($"sync of {count} objects: {clock.Elapsed.TotalSeconds:0.0} s; {summary.Copied} copied, {summary.Failed} failed");
            Assert.True(summary.Failed == 0, string.Join("\n", actions.Where(a => a.Status == SyncActionStatus.Failed).Select(a => $"{a.Key}: {a.Error}")));
            Assert.Equal(count, summary.Copied);
            AssertInjected(kinds);
            AssertSame(FolderHashes(source), await StoredHashesAsync(Direct(container), "sync/"));
        });
    }

    /// <summary>200 objects: upload, sync and download, all kinds mixed at 20 %.</summary>
    protected async Task MixedScenarioAsync()
    {
        const int count = 200;
        await InContainerAsync(async container =>
        {
            var source = NewSourceFolder(count, seed: 99);
            var expected = FolderHashes(source);
            Inject(MixedRate, AllKinds);
            var clock = Stopwatch.StartNew();
            var uploadFailures = await CopyAllAsync(Local(source), new StorageLocation(Proxied(container), "up/"));
            var upload = clock.Elapsed;
            Assert.True(uploadFailures.Count == 0, FailureText(uploadFailures));

            var (summary, actions) = await SyncAsync(Local(source), new StorageLocation(Proxied(container), "sync/"));
            var sync = clock.Elapsed - upload;
            Assert.True(summary.Failed == 0, string.Join("\n", actions.Where(a => a.Status == SyncActionStatus.Failed).Select(a => $"{a.Key}: {a.Error}")));
            Assert.Equal(count, summary.Copied);

            var target = NewFolder();
            var downloadFailures = await CopyAllAsync(new StorageLocation(Proxied(container), "up/"), Local(target));
            var download = clock.Elapsed - upload - sync;
            Assert.True(downloadFailures.Count == 0, FailureText(downloadFailures));
            output.WriteLine($"200 objects at {MixedRate:P0} faults: upload {upload.TotalSeconds:0.0} s, sync {sync.TotalSeconds:0.0} s, download {download.TotalSeconds:0.0} s");

            Proxy.Plan = FaultPlan.Off;
            AssertInjected(AllKinds);
            AssertSame(expected, await StoredHashesAsync(Direct(container), "up/"));
            AssertSame(expected, await StoredHashesAsync(Direct(container), "sync/"));
            AssertSame(expected, FolderHashes(target));
        });
    }

    /// <summary>True for a request that downloads an object's content (not a listing or metadata).</summary>
    protected abstract bool IsContentRead(string method, string target);

    /// <summary>A secret of the emulator's credentials that must never show in a verbose line (null: none).</summary>
    protected virtual string? Secret => null;

    /// <summary>Runs <paramref name="body"/> with a new container, deleted afterwards whatever happens.</summary>
    private async Task InContainerAsync(Func<string, Task> body)
    {
        var container = await NewContainerAsync();
        try
        {
            await body(container);
        }
        finally
        {
            await DeleteContainerAsync(container);
        }
    }

    /// <summary>Runs <paramref name="body"/> with one object of random bytes written directly (no faults) to a new container.</summary>
    private Task WithOneObjectAsync(Func<IStorageProvider, string, byte[], Task> body, int size = 3000) => InContainerAsync(async container =>
    {
        var content = new byte[size];
        new Random(5).NextBytes(content);
        const string key = "read/one.bin";
        await new TransferEngine().UploadAsync(new MemoryStream(content), content.Length, new StorageLocation(Direct(container), key), new CopyRequest { Overwrite = true });
        await body(Proxied(container), key, content);
    });

    /// <summary>-AsString/-AsByteArray: an answer that is clean but short (Content-Length too) is an integrity error, never data.</summary>
    protected async Task TruncatedReadIsAnErrorScenarioAsync()
    {
        await WithOneObjectAsync(async (provider, key, _) =>
        {
            Proxy.Plan = new FaultPlan(1.0, [FaultKind.ShortDeclared], MaxConsecutive: 1000) { Where = IsContentRead };
            var e = await Assert.ThrowsAsync<StorageException>(() => new TransferEngine().ReadAllBytesAsync(new StorageLocation(provider, key), 1 << 20));
            Assert.Equal(StorageErrorKind.IntegrityFailure, e.Kind);
            AssertInjected(FaultKind.ShortDeclared);
        });
    }

    /// <summary>-AsString/-AsByteArray: a truncated answer (header and metadata reads too) is read again and the whole object returned.</summary>
    protected async Task TruncatedReadRecoversScenarioAsync()
    {
        await WithOneObjectAsync(async (provider, key, content) =>
        {
            Proxy.Plan = new FaultPlan(1.0, [FaultKind.ShortDeclared], MaxConsecutive: 1);
            var bytes = await new TransferEngine().ReadAllBytesAsync(new StorageLocation(provider, key), 1 << 20);
            Assert.Equal(content, bytes);
            AssertInjected(FaultKind.ShortDeclared);
        });
    }

    /// <summary>A body with a changed byte is an integrity error (a StorageException), never data; a later clean answer is taken.</summary>
    protected async Task CorruptedReadScenarioAsync()
    {
        await WithOneObjectAsync(async (provider, key, content) =>
        {
            Proxy.Plan = new FaultPlan(1.0, [FaultKind.CorruptBody], MaxConsecutive: 1000) { Where = IsContentRead };
            var e = await Assert.ThrowsAsync<StorageException>(() => new TransferEngine().ReadAllBytesAsync(new StorageLocation(provider, key), 1 << 20));
            Assert.Equal(StorageErrorKind.IntegrityFailure, e.Kind);

            // A download to a file: the same error, per object, and no file.
            var folder = NewFolder();
            var item = await provider.StatAsync(key);
            var download = await Assert.ThrowsAsync<StorageException>(() => new TransferEngine().CopyItemAsync(item!, new StorageLocation(provider, key),
                new StorageLocation(new LocalStorageProvider(folder), "one.bin"), new CopyRequest { Overwrite = true }));
            Assert.Equal(StorageErrorKind.IntegrityFailure, download.Kind);
            Assert.Empty(Directory.EnumerateFileSystemEntries(folder, "*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0 }));

            Proxy.Plan = new FaultPlan(1.0, [FaultKind.CorruptBody], MaxConsecutive: 1) { Where = IsContentRead };
            Assert.Equal(content, await new TransferEngine().ReadAllBytesAsync(new StorageLocation(provider, key), 1 << 20));
        });
    }

    /// <summary>
    /// A read broken mid-body after the object was replaced does not continue with the new object's bytes: the
    /// continuation names another version, so the read fails as a Conflict and nothing of the new object is handed out.
    /// </summary>
    protected Task ReplacedWhileReadIsNotSplicedScenarioAsync() => WithOneObjectAsync(async (provider, key, content) =>
    {
        Proxy.Plan = new FaultPlan(1.0, [FaultKind.ShortBody], MaxConsecutive: 1) { Where = IsContentRead };
        await using var read = await provider.OpenReadAsync(key);
        var handedOut = new MemoryStream();
        var buffer = new byte[1];
        Assert.Equal(1, await read.ReadAsync(buffer));  // the first answer is in: half its body, then a reset
        handedOut.Write(buffer);
        Proxy.Plan = FaultPlan.Off;
        var replacement = content.Select(b => (byte)~b).ToArray();
        await provider.WriteAsync(key, new MemoryStream(replacement), new WriteOptions { Length = replacement.Length });

        var e = await Assert.ThrowsAsync<StorageException>(async () =>
        {
            var chunk = new byte[512];
            int n;
            while ((n = await read.ReadAsync(chunk)) > 0) handedOut.Write(chunk, 0, n);
        });
        Assert.Equal(StorageErrorKind.Conflict, e.Kind);
        // Ours says "changed while it was read"; the Azure SDK resumes a broken body itself with If-Match (whatever its
        // retry options say), so there the service's 412 arrives, mapped to the same kind.
        Assert.True(e.Message.Contains("changed", StringComparison.Ordinal), e.Message);
        Assert.True(handedOut.Length < content.Length, "the whole object was handed out");
        Assert.Equal(content.AsSpan(0, (int)handedOut.Length).ToArray(), handedOut.ToArray()); // only the old object's bytes
    });

    /// <summary>Each retry is one line on the RetryLog (a cmdlet's -Verbose): operation, address, attempt, delay, reason; Retry-After honoured; no secret.</summary>
    protected async Task RetriesAreVisibleScenarioAsync()
    {
        await WithOneObjectAsync(async (provider, key, _) =>
        {
            Proxy.Plan = new FaultPlan(1.0, [FaultKind.Throttled429], MaxConsecutive: 1);
            var lines = new List<string>();
            var clock = Stopwatch.StartNew();
            using (RetryLog.Use(line => { lock (lines) lines.Add(line); }))
                Assert.NotNull(await provider.StatAsync(key));
            clock.Stop();
            var line = Assert.Single(lines);
            Assert.Contains("Stat", line);
            Assert.Contains(provider.AddressRoot + key, line);
            Assert.Contains("retry 1 of 4", line);
            Assert.Contains("in 1 s", line);               // the server's Retry-After: 1, not the 10 ms backoff
            Assert.Contains("Throttled", line);
            Assert.True(clock.Elapsed >= TimeSpan.FromSeconds(0.95), $"retried after {clock.Elapsed}, before Retry-After");
            Assert.Equal(TimeSpan.FromSeconds(1), Assert.Single(Retries).Delay);
            if (Secret is { } secret) Assert.DoesNotContain(secret, line);
        });
    }

    /// <summary>A sync stopped half-way (cancelled) and run again copies only what the first run did not.</summary>
    protected async Task InterruptedSyncResumesScenarioAsync()
    {
        const int count = 24;
        await InContainerAsync(async container =>
        {
            var source = NewSourceFolder(count, seed: 3);
            var destination = new StorageLocation(Proxied(container), "half/");
            using var kill = new CancellationTokenSource();
            var done = 0;
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => SyncAsync(Local(source), destination, kill.Token, action =>
            {
                if (action.Status == SyncActionStatus.Completed && Interlocked.Increment(ref done) == count / 2) kill.Cancel();
            }));
            // Requests cancelled after their body was sent may still land on the server a moment later, and an
            // emulator may keep what arrived of a cancelled upload: what the second run finds is what counts. It must
            // leave every object that is whole alone and copy exactly the others.
            await Task.Delay(500);
            var expected = FolderHashes(source);
            var whole = (await StoredHashesAsync(Direct(container), "half/")).Count(p => expected.GetValueOrDefault(p.Key) == p.Value);
            Assert.InRange(whole, count / 2, count - 1);

            var (summary, _) = await SyncAsync(Local(source), destination);
            output.WriteLine($"killed after {count / 2} of {count}; {whole} whole before the re-run; re-run: {summary.Copied} copied, {summary.Updated} updated, {summary.Unchanged} unchanged");
            Assert.Equal(0, summary.Failed);
            Assert.InRange(summary.Unchanged, whole, count - 1);
            Assert.Equal(count - summary.Unchanged, summary.Copied + summary.Updated);
            AssertSame(FolderHashes(source), await StoredHashesAsync(Direct(container), "half/"));
        });
    }

    private sealed class RecordingObserver(Action<SyncAction>? onAction) : ISyncObserver
    {
        public List<SyncAction> Actions { get; } = [];
        public bool ShouldProcess(SyncAction planned) => true;

        public void OnAction(SyncAction result)
        {
            lock (Actions) Actions.Add(result);
            onAction?.Invoke(result);
        }

        public void OnProgress(TransferProgress progress) { }
    }
}
