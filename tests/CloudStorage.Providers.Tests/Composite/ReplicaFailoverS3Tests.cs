using System.Diagnostics;
using CloudStorage.Core.Addressing;
using CloudStorage.Core.Health;
using CloudStorage.Core.Integrity;
using CloudStorage.Core.Model;
using CloudStorage.Core.Providers.Composite;
using CloudStorage.Providers.Tests.Emulator;
using CloudStorage.Providers.Tests.Faults;
using CloudStorage.Core.Transfer;
using Xunit.Abstractions;

namespace CloudStorage.Providers.Tests.Composite;

/// <summary>
/// A replicated provider over two buckets of the S3 emulator, registered as a user would (named members with their
/// options, ProviderPack's factories and Polly breakers): the primary is reached through a <see cref="FaultProxy"/>, so
/// stopping the proxy stops the primary as a stopped emulator would (connections refused).
/// </summary>
[Collection(S3EmulatorCollection.Name)]
public sealed class ReplicaFailoverS3Tests(S3EmulatorFixture emulator, ITestOutputHelper output) : IAsyncLifetime
{
    private readonly string _credentials = Path.Combine(Path.GetTempPath(), $"cs-replica-credentials-{Guid.NewGuid():N}");
    private string _primaryBucket = "";
    private string _backupBucket = "";
    private FaultProxy _proxy = null!;
    private bool _proxyStopped;
    private ProviderRegistry _registry = null!;

    public async Task InitializeAsync()
    {
        emulator.EnsureStarted();
        File.WriteAllText(_credentials, $"[emulator]\naws_access_key_id = {emulator.AccessKey}\naws_secret_access_key = {emulator.SecretKey}\n");
        _primaryBucket = await emulator.CreateBucketAsync("prim");
        _backupBucket = await emulator.CreateBucketAsync("back");
        _proxy = new FaultProxy(emulator.Endpoint);
        _registry = new ProviderRegistry();
        ProviderPack.RegisterAll(_registry);
        _registry.Register("prim", $"s3://{_primaryBucket}/media/", Options(_proxy.Endpoint));
        _registry.Register("back", $"s3://{_backupBucket}/", Options(emulator.Endpoint));
        _registry.RegisterReplicated("media", ["prim:", "back:copy/"], ReplicaPolicy.All);
    }

    public async Task DisposeAsync()
    {
        if (!_proxyStopped) await _proxy.DisposeAsync();
        File.Delete(_credentials);
        await emulator.DeleteBucketAsync(_primaryBucket);
        await emulator.DeleteBucketAsync(_backupBucket);
    }

    private Dictionary<string, string> Options(Uri endpoint) => new(StringComparer.OrdinalIgnoreCase)
    {
        ["endpoint"] = endpoint.ToString(),
        ["region"] = emulator.Region,
        ["profile"] = "emulator",
        ["profiles-location"] = _credentials,
        ["retries"] = "1",
        ["connect-timeout"] = "2",
    };

    private async Task PutAsync(string address, string text)
    {
        var location = _registry.Resolve(address);
        var bytes = System.Text.Encoding.UTF8.GetBytes(text);
        await location.Provider.WriteAsync(location.Key, new MemoryStream(bytes), new WriteOptions { Length = bytes.Length });
    }

    private async Task<string> TextAsync(string address)
    {
        var location = _registry.Resolve(address);
        var bytes = await new TransferEngine().ReadAllBytesAsync(location, 1 << 20);
        return System.Text.Encoding.UTF8.GetString(bytes);
    }

    [Fact]
    public async Task Replica_writes_reach_both_buckets_and_integrity_compares_the_backup_with_the_primary()
    {
        await PutAsync("media:a.txt", "alpha");
        await PutAsync("media:d/b.txt", "bravo");
        Assert.Equal("alpha", await TextAsync("prim:a.txt"));      // s3://<primary>/media/a.txt
        Assert.Equal("bravo", await TextAsync("back:copy/d/b.txt")); // s3://<backup>/copy/d/b.txt

        var results = new List<IntegrityResult>();
        await foreach (var r in new IntegrityChecker(new TransferEngine()).CheckAsync(_registry.Resolve("media:"), null, new IntegrityOptions { Recurse = true }))
            results.Add(r);
        Assert.Equal(["back:copy/a.txt=Match", "back:copy/d/b.txt=Match"], results.Select(r => $"{r.Uri}={r.Status}").Order().ToList());
    }

    [Fact]
    public async Task Failover_with_the_primary_stopped_reads_and_lists_from_the_backup_and_the_breaker_opens()
    {
        await PutAsync("media:a.txt", "alpha");
        await PutAsync("media:b.txt", "bravo");
        var media = _registry.Resolve("media:");

        await _proxy.DisposeAsync(); // the primary stops: its address refuses connections
        _proxyStopped = true;
        var watch = Stopwatch.StartNew();
        Assert.Equal("alpha", await TextAsync("media:a.txt"));
        var failover = watch.Elapsed;

        var listed = new List<string>();
        await foreach (var item in media.Provider.ListAsync(ListRequest.Recursive("")))
            listed.Add(item.Uri);
        Assert.Equal(["media:a.txt", "media:b.txt"], listed);

        var checks = new List<StorageHealthCheck>();
        await foreach (var c in StorageHealthProbe.ProbeAsync(media, new StorageHealthOptions { ReadOnly = true })) checks.Add(c);
        Assert.Equal(HealthStatus.Failed, checks.Single(c => c.Role == "Primary" && c.Check == "Breaker").Status);
        Assert.Equal(HealthStatus.Failed, checks.Single(c => c.Role == "Primary" && c.Check == "Reachable").Status);
        Assert.All(checks.Where(c => c.Role == "Replica" && c.Check != "Write" && c.Check != "Delete"), c => Assert.Equal(HealthStatus.Healthy, c.Status));

        watch.Restart();
        Assert.Equal("bravo", await TextAsync("media:b.txt"));
        var withBreakerOpen = watch.Elapsed;
        output.WriteLine($"Failover (primary stopped -> first successful read from the backup): {failover.TotalMilliseconds:F0} ms; " +
            $"a read with the primary's breaker open: {withBreakerOpen.TotalMilliseconds:F0} ms");
        Assert.True(failover < TimeSpan.FromSeconds(15), $"failover took {failover}");
        Assert.True(withBreakerOpen < failover, $"with the breaker open a read took {withBreakerOpen}, the failover {failover}");
    }
}
