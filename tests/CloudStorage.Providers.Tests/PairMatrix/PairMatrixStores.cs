using CloudStorage.Core.Addressing;
using CloudStorage.Providers.Azure;
using CloudStorage.Providers.Gcs;
using CloudStorage.Core.Providers.Local;
using CloudStorage.Core.Providers.Memory;
using CloudStorage.Providers.S3;
using CloudStorage.Providers.Tests.Emulator;
using CloudStorage.Core.Providers;

namespace CloudStorage.Providers.Tests.PairMatrix;

/// <summary>The pair-matrix tests share one set of stores: the three emulators, a memory store and a local folder.</summary>
[CollectionDefinition(Name)]
public sealed class PairMatrixCollection : ICollectionFixture<PairMatrixStores>
{
    public const string Name = "PairMatrix";
}

/// <summary>
/// The five stores of the pair matrix, each once: memory, a local folder, an S3 bucket (s3rver), an Azure container
/// (Azurite) and a GCS bucket (firebase emulator). The emulators start together; every test works under a prefix of
/// its own, so the tests share the stores without seeing each other's objects.
/// </summary>
public sealed class PairMatrixStores : IAsyncLifetime
{
    /// <summary>The store kinds, in the order the matrix lists them.</summary>
    public static readonly string[] Kinds = ["memory", "local", "s3", "azure", "gcs"];

    private readonly S3EmulatorFixture _s3 = new();
    private readonly AzuriteFixture _azure = new();
    private readonly GcsEmulatorFixture _gcs = new();
    private readonly string _localRoot = Path.Combine(Path.GetTempPath(), "cs-pairmatrix-" + Guid.NewGuid().ToString("N")[..8]);
    private readonly Dictionary<string, IStorageProvider> _stores = new();
    private string? _bucket;
    private string? _container;

    public async Task InitializeAsync()
    {
        await Task.WhenAll(_s3.InitializeAsync(), _azure.InitializeAsync(), _gcs.InitializeAsync());
        Directory.CreateDirectory(_localRoot);
        _stores["memory"] = new MemoryStorageProvider("pairmatrix");
        _stores["local"] = new LocalStorageProvider(_localRoot);
        if (_s3.Started)
        {
            _bucket = await _s3.CreateBucketAsync("pm");
            _stores["s3"] = new S3StorageProvider(_s3.Options(_bucket));
        }
        if (_azure.Started)
        {
            _container = await _azure.CreateContainerAsync("pm");
            _stores["azure"] = new AzureBlobStorageProvider(_azure.Options(_container));
        }
        if (_gcs.Started) _stores["gcs"] = new GcsStorageProvider(_gcs.Options(_gcs.NewBucket("pm")));
    }

    /// <summary>The store of a kind; fails the test with the emulator's start-up error when it did not start.</summary>
    public IStorageProvider Store(string kind)
    {
        switch (kind)
        {
            case "s3": _s3.EnsureStarted(); break;
            case "azure": _azure.EnsureStarted(); break;
            case "gcs": _gcs.EnsureStarted(); break;
        }
        return _stores[kind];
    }

    /// <summary>A fresh prefix in a store (<c>pair-…/</c>).</summary>
    internal StorageLocation NewPrefix(string kind, string label) =>
        new(Store(kind), $"{label}-{Guid.NewGuid():N}"[..(label.Length + 9)] + "/");

    public async Task DisposeAsync()
    {
        foreach (var store in _stores.Values) (store as IDisposable)?.Dispose();
        if (_bucket is not null) await _s3.DeleteBucketAsync(_bucket);
        if (_container is not null) await _azure.DeleteContainerAsync(_container);
        await Task.WhenAll(_s3.DisposeAsync(), _azure.DisposeAsync(), _gcs.DisposeAsync());
        try { Directory.Delete(_localRoot, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
