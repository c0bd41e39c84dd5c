using CloudStorage.Core.Errors;
using CloudStorage.Core.Model;
using CloudStorage.Core.Providers;
using CloudStorage.Core.Transfer;

namespace CloudStorage.Core.Tests.Operations;

// The engine's own check after a streamed copy: what the destination reports having stored must equal what streamed
// through the engine, in size and in every hash both sides have. A destination that stores the bytes correctly but
// reports something else is caught here and nowhere else (the bytes themselves pass the provider's own checks).
public sealed class EndToEndCheckTests
{
    private readonly TransferEngine _engine = new();

    [Theory]
    [InlineData(Misreport.Size)]
    [InlineData(Misreport.Hash)]
    public async Task A_copy_whose_destination_reports_another_size_or_hash_fails_with_IntegrityFailure(Misreport lie)
    {
        var src = Mem.Store();
        await src.PutAsync("a.bin", "the bytes that were sent");
        var dst = new MisreportingStore(Mem.Store(), lie);

        var e = await Assert.ThrowsAsync<StorageException>(() =>
            _engine.CopyAsync(src.At("a.bin"), new(dst, "a.bin"), new CopyRequest { AllowServerSideCopy = false }));

        Assert.Equal(StorageErrorKind.IntegrityFailure, e.Kind);
        Assert.Contains(lie == Misreport.Size ? "bytes" : "MD5", e.Message);
    }

    [Theory]
    [InlineData(Misreport.Size)]
    [InlineData(Misreport.Hash)]
    public async Task An_upload_whose_destination_reports_another_size_or_hash_fails_with_IntegrityFailure(Misreport lie)
    {
        var dst = new MisreportingStore(Mem.Store(), lie);

        var e = await Assert.ThrowsAsync<StorageException>(() =>
            _engine.UploadAsync(new MemoryStream("uploaded"u8.ToArray()), null, new(dst, "u.bin"), new CopyRequest()));

        Assert.Equal(StorageErrorKind.IntegrityFailure, e.Kind);
    }

    [Fact]
    public async Task An_honest_destination_passes_the_same_check()
    {
        var src = Mem.Store();
        await src.PutAsync("a.bin", "the bytes that were sent");
        var dst = new MisreportingStore(Mem.Store(), Misreport.Nothing);

        var item = await _engine.CopyAsync(src.At("a.bin"), new(dst, "a.bin"), new CopyRequest { AllowServerSideCopy = false });

        Assert.Equal(24, item.Size);
    }

    public enum Misreport { Nothing, Size, Hash }

    // Stores what it is given, then reports one byte more, or an MD5 of other bytes.
    private sealed class MisreportingStore(IStorageProvider inner, Misreport lie) : ProviderDecorator(inner)
    {
        public override string Name => "misreporting";
        public override string AddressRoot => "misreporting:";
        protected override ProviderCapabilities Decorate(ProviderCapabilities inner) => base.Decorate(inner) with { Copier = null };
        public override string ToInnerKey(string key) => key;
        public override string FromInnerKey(string innerKey) => innerKey;

        public override async Task<StorageItem> WriteAsync(string key, Stream content, WriteOptions options, CancellationToken cancellationToken = default)
        {
            var stored = await base.WriteAsync(key, content, options, cancellationToken);
            return lie switch
            {
                Misreport.Size => stored with { Size = stored.Size + 1 },
                Misreport.Hash => stored with { Hashes = [ContentHash.Compute(HashAlgorithmKind.MD5, "other bytes"u8)] },
                _ => stored,
            };
        }
    }
}
