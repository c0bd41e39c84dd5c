using System.Text;
using CloudStorage.Core.Addressing;
using CloudStorage.Core.Errors;
using CloudStorage.Core.Model;
using CloudStorage.Providers.Azure;
using CloudStorage.Providers.Gcs;
using CloudStorage.Providers.S3;
using CloudStorage.Core.Sync;
using CloudStorage.Core.Transfer;
using CloudStorage.Core.Providers;

namespace CloudStorage.Providers.Tests.PairMatrix;

/// <summary>Issue 10's defects on the emulators, through the engine and the provider contract.</summary>
[Collection(PairMatrixCollection.Name)]
public sealed class CloudSyncTrustTests(PairMatrixStores stores)
{
    private readonly TransferEngine _engine = new();
    private readonly SyncEngine _sync = new(new TransferEngine());

    [Theory]
    [InlineData("s3")]
    [InlineData("azure")]
    [InlineData("gcs")]
    public async Task A_missing_bucket_or_container_as_sync_source_is_NotFound_and_nothing_is_deleted(string kind)
    {
        var existing = stores.Store(kind);
        IStorageProvider missing = existing switch
        {
            S3StorageProvider s3 => new S3StorageProvider(s3.Options with { Bucket = "cs-missing-" + Guid.NewGuid().ToString("N")[..12] }),
            AzureBlobStorageProvider az => new AzureBlobStorageProvider(az.Options with { Container = "cs-missing-" + Guid.NewGuid().ToString("N")[..12] }),
            GcsStorageProvider gcs => new GcsStorageProvider(gcs.Options with { Bucket = "cs-missing-" + Guid.NewGuid().ToString("N")[..12] }),
            _ => throw new InvalidOperationException(kind),
        };
        var dst = stores.NewPrefix("memory", "missing");
        await dst.Provider.WriteAsync(dst.Child("keep.txt").Key, new MemoryStream([1]), new WriteOptions());

        var ex = await Assert.ThrowsAsync<StorageException>(() => _sync.RunAsync(new StorageLocation(missing, ""), dst, new SyncOptions { Delete = true }, new NoObserver()));
        // GCS answers 404 (NotFound); the firebase emulator creates buckets on first use and lists a missing one as
        // empty, which the empty-source rule refuses under -Delete (InvalidArgument). Either way nothing is deleted.
        Assert.Equal(kind == "gcs" && ex.Kind == StorageErrorKind.InvalidArgument ? StorageErrorKind.InvalidArgument : StorageErrorKind.NotFound, ex.Kind);
        Assert.NotNull(await dst.Provider.StatAsync(dst.Child("keep.txt").Key));
    }

    [Fact]
    public async Task A_metadata_value_S3_cannot_hold_is_InvalidArgument_naming_the_key_not_a_connection_failure()
    {
        var s3 = stores.NewPrefix("s3", "ascii");
        var ex = await Assert.ThrowsAsync<StorageException>(() => s3.Provider.WriteAsync(s3.Child("a.txt").Key, new MemoryStream([1]),
            new WriteOptions { Metadata = new Dictionary<string, string> { ["note"] = "Grüße" } }));
        Assert.Equal(StorageErrorKind.InvalidArgument, ex.Kind);
        Assert.Contains("'note'", ex.Message);

        // A copy can store it encoded instead.
        var mem = stores.NewPrefix("memory", "ascii");
        await mem.Provider.WriteAsync(mem.Child("a.txt").Key, new MemoryStream([1]), new WriteOptions { Metadata = new Dictionary<string, string> { ["note"] = "Grüße" } });
        await _engine.CopyAsync(mem.Child("a.txt"), s3.Child("a.txt"), new CopyRequest { InvalidMetadata = InvalidMetadataHandling.Rename });
        Assert.StartsWith("=?UTF-8?B?", (await s3.Provider.StatAsync(s3.Child("a.txt").Key))!.Metadata["note"]);
    }

    [Fact]
    public async Task S3_to_Azure_with_a_hyphenated_metadata_name_fails_that_object_clearly_or_renames_it_on_request()
    {
        var s3 = stores.NewPrefix("s3", "hyphen");
        var azure = stores.NewPrefix("azure", "hyphen");
        await s3.Provider.WriteAsync(s3.Child("report.pdf").Key, new MemoryStream(Encoding.UTF8.GetBytes("%PDF")), new WriteOptions
        {
            ContentType = "application/pdf", Metadata = new Dictionary<string, string> { ["original-filename"] = "Q1 report.pdf" },
        });

        var ex = await Assert.ThrowsAsync<StorageException>(() => _engine.CopyAsync(s3.Child("report.pdf"), azure.Child("report.pdf"), new CopyRequest()));
        Assert.Equal(StorageErrorKind.InvalidArgument, ex.Kind);
        Assert.Contains("'original-filename'", ex.Message);

        var summary = await _sync.RunAsync(s3, azure, new SyncOptions { InvalidMetadata = InvalidMetadataHandling.Rename }, new NoObserver());
        Assert.Equal((1, 0), (summary.Copied, summary.Failed));
        var copied = (await azure.Provider.StatAsync(azure.Child("report.pdf").Key))!;
        Assert.Equal("Q1 report.pdf", copied.Metadata["rename_original_filename"]);
        Assert.Equal("original-filename", copied.Metadata["rename_key_original_filename"]);
    }

    [Theory]
    [InlineData("s3", "1715938215.250000000")]
    [InlineData("azure", "2024-05-17T09:30:15.250000000Z")]
    public async Task Objects_rclone_wrote_are_recognised_by_their_mtime_and_synced_once(string kind, string rcloneMtime)
    {
        var cloud = stores.NewPrefix(kind, "rclone");
        // As rclone stores a file: the time in "mtime" user metadata, in that backend's form.
        await cloud.Provider.WriteAsync(cloud.Child("notes.txt").Key, new MemoryStream(Encoding.UTF8.GetBytes("written by rclone")),
            new WriteOptions { Metadata = new Dictionary<string, string> { ["mtime"] = rcloneMtime } });
        var local = stores.NewPrefix("local", "rclone");

        Assert.Equal(1, (await _sync.RunAsync(cloud, local, new SyncOptions(), new NoObserver())).Copied);
        Assert.Equal(new DateTimeOffset(2024, 5, 17, 9, 30, 15, 250, TimeSpan.Zero), (await local.Provider.StatAsync(local.Child("notes.txt").Key))!.LastModified);
        var again = await _sync.RunAsync(cloud, local, new SyncOptions(), new NoObserver());
        Assert.Equal((0, 0, 1), (again.Copied, again.Updated, again.Unchanged));
        var back = await _sync.RunAsync(local, cloud, new SyncOptions(), new NoObserver());
        Assert.Equal((0, 0, 1), (back.Copied, back.Updated, back.Unchanged));
    }

    [Theory]
    [InlineData("azure")]
    [InlineData("local")]
    [InlineData("gcs")]
    public async Task S3_multipart_objects_another_tool_wrote_sync_once(string destination)
    {
        // As another tool leaves them: multipart (the ETag is no MD5), no stored MD5, no mtime.
        var s3 = (S3StorageProvider)stores.Store("s3");
        using var foreign = new S3StorageProvider(s3.Options with { MultipartThreshold = 5 << 20, PartSize = 5 << 20, StoreMd5 = false });
        var prefix = $"multipart-{Guid.NewGuid():N}"[..18] + "/";
        var content = new byte[(6 << 20) + 123];
        new Random(7).NextBytes(content);
        var written = await foreign.WriteAsync(prefix + "big.bin", new MemoryStream(content), new WriteOptions { Length = content.Length });
        Assert.Empty(written.Hashes);
        var src = new StorageLocation(s3, prefix);
        var dst = stores.NewPrefix(destination, "multipart");

        Assert.Equal(1, (await _sync.RunAsync(src, dst, new SyncOptions(), new NoObserver())).Copied);
        var again = await _sync.RunAsync(src, dst, new SyncOptions(), new NoObserver());
        Assert.Equal((0, 0, 1), (again.Copied, again.Updated, again.Unchanged));
    }

    private sealed class NoObserver : ISyncObserver
    {
        public bool ShouldProcess(SyncAction planned) => true;
        public void OnAction(SyncAction result) { }
        public void OnProgress(TransferProgress progress) { }
    }
}
