using CloudStorage.Core.Addressing;
using CloudStorage.Core.Health;
using CloudStorage.Core.Model;
using CloudStorage.Core.Providers;
using CloudStorage.Core.Providers.Composite;
using CloudStorage.Core.Tests.Operations;

namespace CloudStorage.Core.Tests.Composite;

public class HealthProbeTests
{
    private static readonly string[] AllChecks = ["Reachable", "Credentials", "List", "Write", "Read", "Delete"];

    [Fact]
    public async Task Health_of_a_working_store_is_one_healthy_result_per_check_and_leaves_nothing_behind()
    {
        var store = Mem.Store();
        await store.PutAsync("data/a.txt", "a");
        var checks = await StorageHealthProbe.ProbeAsync(new StorageLocation(store, "data/")).ToListAsync();
        Assert.Equal(AllChecks, checks.Select(c => c.Check).ToList());
        Assert.All(checks, c => Assert.Equal(HealthStatus.Healthy, c.Status));
        Assert.All(checks, c => Assert.Equal(store.AddressRoot + "data/", c.Target));
        Assert.Equal(["data/a.txt"], (await store.ListAsync(ListRequest.Recursive("")).ToListAsync()).Select(i => i.Key).ToList());
    }

    [Fact]
    public async Task Health_of_a_store_that_is_down_reports_it_unreachable_and_skips_the_rest()
    {
        var store = new SwitchableStore(Mem.Store()) { Down = true };
        var checks = await StorageHealthProbe.ProbeAsync(new StorageLocation(store, "")).ToListAsync();
        Assert.Equal(AllChecks, checks.Select(c => c.Check).ToList());
        Assert.Equal(HealthStatus.Failed, checks.Single(c => c.Check == "Reachable").Status);
        Assert.Equal(Errors.StorageErrorKind.Transient, checks.Single(c => c.Check == "Reachable").ErrorKind);
        Assert.Equal(HealthStatus.Failed, checks.Single(c => c.Check == "List").Status);
        Assert.All(checks.Where(c => c.Check is "Credentials" or "Write" or "Read" or "Delete"), c => Assert.Equal(HealthStatus.Skipped, c.Status));
    }

    [Theory]
    [InlineData(Errors.StorageErrorKind.PermissionDenied, "Healthy", "Failed")]
    [InlineData(Errors.StorageErrorKind.Configuration, "Skipped", "Failed")]
    [InlineData(Errors.StorageErrorKind.NotFound, "Healthy", "Healthy")]
    public async Task Health_tells_denied_credentials_and_missing_places_from_an_unreachable_store(Errors.StorageErrorKind kind, string reachable, string credentials)
    {
        var store = new RefusingStore(Mem.Store(), kind);
        var checks = await StorageHealthProbe.ProbeAsync(new StorageLocation(store, "")).ToListAsync();
        Assert.Equal(reachable, checks.Single(c => c.Check == "Reachable").Status.ToString());
        Assert.Equal(credentials, checks.Single(c => c.Check == "Credentials").Status.ToString());
        Assert.Equal(HealthStatus.Failed, checks.Single(c => c.Check == "List").Status);
        Assert.Equal(kind, checks.Single(c => c.Check == "List").ErrorKind);
    }

    private sealed class RefusingStore(global::CloudStorage.Core.Providers.Memory.MemoryStorageProvider inner, Errors.StorageErrorKind kind) : ProviderDecorator(inner)
    {
        public override string Name => Inner.Name;
        public override string AddressRoot => Inner.AddressRoot;
        public override string ToInnerKey(string key) => key;
        public override string FromInnerKey(string innerKey) => innerKey;
        public override IAsyncEnumerable<StorageItem> ListAsync(ListRequest request, CancellationToken cancellationToken = default) =>
            throw new Errors.StorageException(kind, $"refused ({kind}, simulated)");
    }

    [Fact]
    public async Task Health_read_only_probe_writes_nothing()
    {
        var store = new SwitchableStore(Mem.Store()) { RefuseWrites = true };
        await store.Store.PutAsync("a.txt", "a");
        var checks = await StorageHealthProbe.ProbeAsync(new StorageLocation(store, ""), new StorageHealthOptions { ReadOnly = true }).ToListAsync();
        Assert.Equal(HealthStatus.Skipped, checks.Single(c => c.Check == "Write").Status);
        Assert.Equal(HealthStatus.Healthy, checks.Single(c => c.Check == "Read").Status);
        Assert.Equal(HealthStatus.Skipped, checks.Single(c => c.Check == "Delete").Status);
    }

    [Fact]
    public async Task Health_of_a_replicated_store_reports_each_replica_and_its_breaker()
    {
        var stores = new[] { new SwitchableStore(Mem.Store()), new SwitchableStore(Mem.Store()) };
        var breakers = new[] { new CountingBreaker(), new CountingBreaker() };
        var media = new ReplicatedStorageProvider("media", stores, ReplicaPolicy.All, breakers);
        stores[0].Down = true;
        // Two failed reads open the primary's breaker.
        for (var i = 0; i < 2; i++) await Assert.ThrowsAsync<Errors.StorageException>(() => media.OpenReadAsync("x"));

        var checks = await StorageHealthProbe.ProbeAsync(new StorageLocation(media, "")).ToListAsync();
        var primary = checks.Where(c => c.Target == stores[0].AddressRoot).ToList();
        var replica = checks.Where(c => c.Target == stores[1].AddressRoot).ToList();
        Assert.All(checks, c => Assert.Equal("media:", c.Uri));
        Assert.Equal("Primary", primary[0].Role);
        Assert.Equal(HealthStatus.Failed, primary.Single(c => c.Check == "Breaker").Status);
        Assert.Equal(HealthStatus.Failed, primary.Single(c => c.Check == "Reachable").Status);
        Assert.Equal("Replica", replica[0].Role);
        Assert.All(replica, c => Assert.Equal(HealthStatus.Healthy, c.Status));
    }

    [Fact]
    public async Task Health_of_a_routed_store_probes_each_store_once()
    {
        var images = Mem.Store();
        var rest = Mem.Store();
        var site = new RoutedStorageProvider("site", [("*.jpg", images), ("*.png", images), ("*", rest)]);
        var checks = await StorageHealthProbe.ProbeAsync(new StorageLocation(site, "")).ToListAsync();
        Assert.Equal(2 * AllChecks.Length, checks.Count);
        Assert.Equal(["Route *.jpg", "Route *"], checks.Select(c => c.Role).Distinct().ToList());
    }
}
