using CloudStorage.Core.Errors;
using CloudStorage.Core.Model;
using CloudStorage.Core.Providers;
using CloudStorage.Core.Providers.Memory;
using CloudStorage.Core.Transfer;

namespace CloudStorage.Core.Tests.Operations;

public class TransferEngineTests
{
    private readonly TransferEngine _engine = new();

    [Fact]
    public async Task Storage_class_and_tags_asked_for_reach_the_destination_on_uploads_and_copies()
    {
        var src = Mem.Store();
        await src.PutAsync("a", "hello");
        var dst = new WriteRecorder(Mem.Store());
        var request = new CopyRequest { StorageClass = "COLD", Tags = new Dictionary<string, string> { ["team"] = "ops" } };

        await _engine.UploadAsync(new MemoryStream([1, 2]), 2, new(dst, "up"), request);
        await _engine.CopyAsync(src.At("a"), new(dst, "copied"), request);

        Assert.Equal(2, dst.Writes.Count);
        Assert.All(dst.Writes, w => Assert.Equal(("COLD", "ops"), (w.StorageClass, w.Tags!["team"])));
    }

    [Fact]
    public async Task A_storage_class_or_tags_the_destination_cannot_keep_are_refused_before_anything_is_written()
    {
        var dst = Mem.Store();
        var noClass = await Assert.ThrowsAsync<StorageException>(() =>
            _engine.UploadAsync(new MemoryStream([1]), 1, dst.At("a"), new CopyRequest { StorageClass = "COLD" }));
        var noTags = await Assert.ThrowsAsync<StorageException>(() =>
            _engine.UploadAsync(new MemoryStream([1]), 1, new(new WriteRecorder(dst) { HasTags = false }, "b"), new CopyRequest { Tags = new Dictionary<string, string> { ["k"] = "v" } }));
        Assert.Equal((StorageErrorKind.Unsupported, StorageErrorKind.Unsupported), (noClass.Kind, noTags.Kind));
        Assert.Equal(0, dst.Count);
    }

    // Declares storage classes (memory has none) and records what each write was asked to store.
    private sealed class WriteRecorder(IStorageProvider inner) : ProviderDecorator(inner)
    {
        public List<WriteOptions> Writes { get; } = [];
        public bool HasTags { get; init; } = true;
        public override string Name => "recorder";
        public override string AddressRoot => "recorder:";
        protected override ProviderCapabilities Decorate(ProviderCapabilities inner) => base.Decorate(inner) with { StorageClass = true, Tags = HasTags, Copier = null };
        public override string ToInnerKey(string key) => key;
        public override string FromInnerKey(string innerKey) => innerKey;
        public override Task<StorageItem> WriteAsync(string key, Stream content, WriteOptions options, CancellationToken cancellationToken = default)
        {
            lock (Writes) Writes.Add(options);
            return base.WriteAsync(key, content, options, cancellationToken);
        }
    }

    [Fact]
    public async Task Copy_between_memory_stores_uses_server_side_copy_and_keeps_metadata()
    {
        var a = Mem.Store(); var b = Mem.Store();
        await a.PutAsync("x/1.txt", "hello", metadata: new Dictionary<string, string> { ["owner"] = "ops" });
        var item = await _engine.CopyAsync(a.At("x/1.txt"), b.At("y/1.txt"), new CopyRequest());
        Assert.Equal(b.AddressRoot + "y/1.txt", item.Uri);
        Assert.Equal("hello", await b.TextAsync("y/1.txt"));
        Assert.Equal("ops", item.Metadata["owner"]);
    }

    [Fact]
    public async Task Copy_without_overwrite_refuses_an_existing_destination()
    {
        var a = Mem.Store();
        await a.PutAsync("s", "new"); await a.PutAsync("d", "old");
        var ex = await Assert.ThrowsAsync<StorageException>(() => _engine.CopyAsync(a.At("s"), a.At("d"), new CopyRequest()));
        Assert.Equal(StorageErrorKind.AlreadyExists, ex.Kind);
        Assert.Equal("old", await a.TextAsync("d"));
    }

    [Fact]
    public async Task Copy_with_overwrite_replaces_the_destination()
    {
        var a = Mem.Store();
        await a.PutAsync("s", "new"); await a.PutAsync("d", "old");
        await _engine.CopyAsync(a.At("s"), a.At("d"), new CopyRequest { Overwrite = true });
        Assert.Equal("new", await a.TextAsync("d"));
    }

    [Fact]
    public async Task Copy_of_a_missing_source_is_NotFound_naming_the_address()
    {
        var a = Mem.Store();
        var ex = await Assert.ThrowsAsync<StorageException>(() => _engine.CopyAsync(a.At("nope"), a.At("d"), new CopyRequest()));
        Assert.Equal(StorageErrorKind.NotFound, ex.Kind);
        Assert.Contains(a.AddressRoot + "nope", ex.Message);
    }

    [Fact]
    public async Task Streaming_copy_is_used_when_server_side_copy_is_not_allowed_and_reports_progress()
    {
        var a = Mem.Store(); var b = Mem.Store();
        var data = new byte[3 << 20]; Random.Shared.NextBytes(data);
        await a.WriteAsync("big", new MemoryStream(data), WriteOptions.Default);
        var reports = new List<TransferProgress>();
        var engine = new TransferEngine(new TransferOptions { ProgressInterval = 1 << 20 });
        var item = await engine.CopyAsync(a.At("big"), b.At("big"), new CopyRequest { AllowServerSideCopy = false }, new SyncProgress(reports));
        Assert.Equal(data.Length, item.Size);
        Assert.Equal(ContentHash.Compute(HashAlgorithmKind.MD5, data), item.GetHash(HashAlgorithmKind.MD5));
        Assert.True(reports.Count >= 3, $"expected several progress reports, got {reports.Count}");
        Assert.Equal(data.Length, reports[^1].BytesTransferred);
        Assert.Equal(100, reports[^1].PercentComplete);
    }

    [Fact]
    public async Task Streaming_copy_keeps_the_source_modification_time()
    {
        var a = Mem.Store(); var b = Mem.Store();
        var when = new DateTimeOffset(2020, 1, 2, 3, 4, 5, TimeSpan.Zero);
        await a.PutAsync("k", "v", when);
        var item = await _engine.CopyAsync(a.At("k"), b.At("k"), new CopyRequest { AllowServerSideCopy = false });
        Assert.Equal(when, item.LastModified);
    }

    [Fact]
    public async Task Corruption_in_flight_is_caught_by_the_destination_and_nothing_is_stored()
    {
        var a = new CorruptingProvider(Mem.Store());
        await ((MemoryStorageProvider)a.Inner).PutAsync("k", "original content");
        var b = Mem.Store();
        var ex = await Assert.ThrowsAsync<StorageException>(() => _engine.CopyAsync(new(a, "k"), b.At("k"), new CopyRequest { AllowServerSideCopy = false }));
        Assert.Equal(StorageErrorKind.IntegrityFailure, ex.Kind);
        Assert.Null(await b.StatAsync("k"));
    }

    [Fact]
    public async Task Upload_of_unknown_length_stream_stores_all_bytes()
    {
        var b = Mem.Store();
        var data = new byte[100_000]; Random.Shared.NextBytes(data);
        var item = await _engine.UploadAsync(new NonSeekableStream(data), null, b.At("u"), new CopyRequest { ContentType = "text/plain" });
        Assert.Equal(data.Length, item.Size);
        Assert.Equal("text/plain", item.ContentType);
    }

    [Fact]
    public async Task Upload_to_a_prefix_address_is_InvalidKey()
    {
        var b = Mem.Store();
        var ex = await Assert.ThrowsAsync<StorageException>(() => _engine.UploadAsync(new MemoryStream(), 0, b.At("dir/"), new CopyRequest()));
        Assert.Equal(StorageErrorKind.InvalidKey, ex.Kind);
    }

    [Fact]
    public async Task ReadAllBytes_refuses_objects_over_the_limit()
    {
        var a = Mem.Store();
        await a.PutAsync("k", "0123456789");
        Assert.Equal(10, (await _engine.ReadAllBytesAsync(a.At("k"), 10)).Length);
        var ex = await Assert.ThrowsAsync<StorageException>(() => _engine.ReadAllBytesAsync(a.At("k"), 9));
        Assert.Equal(StorageErrorKind.LimitExceeded, ex.Kind);
    }

    [Fact]
    public async Task Presign_on_memory_is_Unsupported_and_names_the_provider()
    {
        var a = Mem.Store();
        var ex = await Assert.ThrowsAsync<StorageException>(() => Presigning.PresignAsync(a.At("k"), new PresignRequest()));
        Assert.Equal(StorageErrorKind.Unsupported, ex.Kind);
        Assert.Contains(a.Name, ex.Message);
    }

    [Fact]
    public async Task Presign_dispatches_to_a_presigner_and_enforces_its_expiry_limit()
    {
        var p = new FakeSigningProvider(Mem.Store());
        var url = await Presigning.PresignAsync(new(p, "a/b"), new PresignRequest { Method = PresignMethod.Put, ExpiresIn = TimeSpan.FromMinutes(5) });
        Assert.Equal(PresignMethod.Put, url.Method);
        Assert.Equal(p.AddressRoot + "a/b", url.Uri);
        Assert.DoesNotContain("sig=", url.ToString());
        var ex = await Assert.ThrowsAsync<StorageException>(() => Presigning.PresignAsync(new(p, "a/b"), new PresignRequest { ExpiresIn = TimeSpan.FromDays(8) }));
        Assert.Equal(StorageErrorKind.InvalidArgument, ex.Kind);
    }

    private sealed class SyncProgress(List<TransferProgress> list) : IProgress<TransferProgress>
    {
        public void Report(TransferProgress value) { lock (list) list.Add(value); }
    }

    /// <summary>Flips one byte of everything it reads: stands for a corrupting network path.</summary>
    private sealed class CorruptingProvider(IStorageProvider inner) : ProviderDecorator(inner)
    {
        public override string Name => "corrupt";
        public override string AddressRoot => "corrupt:";
        protected override ProviderCapabilities Decorate(ProviderCapabilities inner) => base.Decorate(inner) with { Copier = null };
        public override string ToInnerKey(string key) => key;
        public override string FromInnerKey(string innerKey) => innerKey;
        public override async Task<Stream> OpenReadAsync(string key, ByteRange? range = null, CancellationToken cancellationToken = default)
        {
            var ms = new MemoryStream();
            await (await Inner.OpenReadAsync(key, range, cancellationToken)).CopyToAsync(ms, cancellationToken);
            var bytes = ms.ToArray();
            bytes[0] ^= 0xFF;
            return new MemoryStream(bytes);
        }
    }

    private sealed class FakeSigningProvider(IStorageProvider inner) : ProviderDecorator(inner), IPresigner
    {
        public override string Name => "signer";
        public override string AddressRoot => "signer:";
        protected override ProviderCapabilities Decorate(ProviderCapabilities inner) => base.Decorate(inner) with { Presigner = this };
        public TimeSpan MaxExpiry => TimeSpan.FromDays(7);
        public override string ToInnerKey(string key) => key;
        public override string FromInnerKey(string innerKey) => innerKey;
        public Task<PresignedUrl> PresignAsync(string key, PresignRequest request, CancellationToken cancellationToken = default) =>
            Task.FromResult(new PresignedUrl { Uri = key, Method = request.Method, Url = "https://example.invalid/" + key + "?sig=secret", ExpiresOn = DateTimeOffset.UtcNow + request.ExpiresIn });
    }
}

/// <summary>A stream that hides its length, as a network body or pipe does.</summary>
public sealed class NonSeekableStream(byte[] data) : Stream
{
    private readonly MemoryStream _inner = new(data);
    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
    public override void Flush() { }
    public override int Read(byte[] buffer, int offset, int count) => _inner.Read(buffer, offset, Math.Min(count, 7919));
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
