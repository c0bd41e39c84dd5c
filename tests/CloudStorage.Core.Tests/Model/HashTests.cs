using System.Text;
using CloudStorage.Core.Hashing;
using CloudStorage.Core.Model;

namespace CloudStorage.Core.Tests.Model;

public class HashTests
{
    [Theory]
    [InlineData("", 0x00000000u)]
    [InlineData("a", 0xC1D04330u)]
    [InlineData("123456789", 0xE3069283u)] // the CRC-32C check value
    [InlineData("The quick brown fox jumps over the lazy dog", 0x22620404u)]
    public void Crc32C_matches_known_values(string text, uint expected) =>
        Assert.Equal(expected, Crc32C.Compute(Encoding.ASCII.GetBytes(text)));

    [Fact]
    public void Crc32C_of_32_zero_bytes_matches_the_iSCSI_test_vector() =>
        Assert.Equal(0x8A9136AAu, Crc32C.Compute(new byte[32]));

    // RFC 3720 (iSCSI), appendix B.4: the CRC32C examples.
    public static TheoryData<string, uint> Rfc3720Vectors() => new()
    {
        { "32 bytes of zeros", 0x8A9136AAu },
        { "32 bytes of 0xFF", 0x62A8AB43u },
        { "32 incrementing bytes 0x00..0x1F", 0x46DD794Eu },
        { "32 decrementing bytes 0x1F..0x00", 0x113FDB5Cu },
        { "an iSCSI SCSI Read (10) command PDU", 0xD9963A56u },
    };

    [Theory]
    [MemberData(nameof(Rfc3720Vectors))]
    public void Crc32C_matches_the_RFC_3720_examples(string input, uint expected)
    {
        var data = input switch
        {
            "32 bytes of zeros" => new byte[32],
            "32 bytes of 0xFF" => Enumerable.Repeat((byte)0xFF, 32).ToArray(),
            "32 incrementing bytes 0x00..0x1F" => Enumerable.Range(0, 32).Select(i => (byte)i).ToArray(),
            "32 decrementing bytes 0x1F..0x00" => Enumerable.Range(0, 32).Select(i => (byte)(31 - i)).ToArray(),
            _ => Convert.FromHexString(
                "01C00000000000000000000000000000" +
                "14000000000004000000001400000018" +
                "28000000000000000200000000000000"),
        };

        Assert.Equal(expected, Crc32C.Compute(data));
        var incremental = new Crc32C();
        foreach (var b in data) incremental.Append([b]);
        Assert.Equal(expected, incremental.GetCurrentHashAsUInt32());
    }

    [Fact]
    public void Crc32C_incremental_equals_one_shot_for_any_split()
    {
        var data = new byte[1000]; new Random(7).NextBytes(data);
        var whole = Crc32C.Compute(data);
        foreach (var split in new[] { 0, 1, 7, 8, 9, 500, 999, 1000 })
        {
            var c = new Crc32C();
            c.Append(data.AsSpan(0, split)); c.Append(data.AsSpan(split));
            Assert.Equal(whole, c.GetCurrentHashAsUInt32());
        }
    }

    [Fact]
    public void Crc32C_big_endian_base64_matches_the_GCS_form()
    {
        // GCS reports crc32c of "hello world" as "yZRlqg==".
        Assert.Equal("yZRlqg==", Convert.ToBase64String(Crc32C.HashToBigEndian("hello world"u8)));
    }

    [Fact]
    public void ContentHash_parses_hex_and_base64_and_compares_by_value()
    {
        var md5 = ContentHash.Compute(HashAlgorithmKind.MD5, "abc"u8);
        Assert.Equal("900150983cd24fb0d6963f7d28e17f72", md5.Hex);
        Assert.Equal(md5, ContentHash.Parse(HashAlgorithmKind.MD5, md5.Hex.ToUpperInvariant()));
        Assert.Equal(md5, ContentHash.Parse(HashAlgorithmKind.MD5, md5.Base64));
        Assert.Equal(md5, ContentHash.Parse(HashAlgorithmKind.MD5, "\"" + md5.Hex + "\""));
        Assert.False(ContentHash.TryParse(HashAlgorithmKind.MD5, "xyz", out _));
        Assert.False(ContentHash.TryParse(HashAlgorithmKind.SHA256, md5.Hex, out _));
        Assert.NotEqual(md5, ContentHash.Compute(HashAlgorithmKind.MD5, "abd"u8));
    }

    [Fact]
    public void ContentHash_refuses_a_wrong_length() =>
        Assert.Throws<ArgumentException>(() => new ContentHash(HashAlgorithmKind.MD5, new byte[15]));

    [Fact]
    public void HashingStream_hashes_what_passes_through()
    {
        var data = new byte[300_000]; new Random(3).NextBytes(data);
        using var hs = new HashingStream(new MemoryStream(data), includeSha256: true);
        hs.CopyTo(Stream.Null, 4096);
        var hashes = hs.GetHashes();
        Assert.Equal(ContentHash.Compute(HashAlgorithmKind.MD5, data), hashes.Single(h => h.Algorithm == HashAlgorithmKind.MD5));
        Assert.Equal(ContentHash.Compute(HashAlgorithmKind.CRC32C, data), hashes.Single(h => h.Algorithm == HashAlgorithmKind.CRC32C));
        Assert.Equal(ContentHash.Compute(HashAlgorithmKind.SHA256, data), hashes.Single(h => h.Algorithm == HashAlgorithmKind.SHA256));
        Assert.Equal(data.Length, hs.BytesRead);
    }

    [Fact]
    public void PresignedUrl_ToString_hides_the_signature()
    {
        var p = new PresignedUrl { Uri = "s3://b/k", Method = PresignMethod.Get, Url = "https://h/k?X-Amz-Signature=abc", ExpiresOn = DateTimeOffset.UnixEpoch };
        Assert.DoesNotContain("Signature", p.ToString());
        Assert.Contains("s3://b/k", p.ToString());
    }

    [Theory]
    [InlineData("a/b/c.txt", "c.txt")]
    [InlineData("a/b/", "b")]
    [InlineData("top", "top")]
    public void StorageItem_Name_is_the_last_segment(string key, string name) => Assert.Equal(name, StorageItem.NameOf(key));

    [Fact]
    public void A_writer_reuses_a_streams_hashes_only_when_they_cover_exactly_what_it_reads()
    {
        var fresh = new HashingStream(new MemoryStream([1, 2, 3]));
        var (read, hashes, owned) = HashedStreams.For(fresh, includeSha256: false);
        Assert.Same(fresh, read);
        Assert.Same(fresh, hashes);
        Assert.False(owned);

        // A read-ahead over a fresh hashing stream, nothing delivered yet, says it hashes every byte: it serves.
        using (var ahead = new CloudStorage.Core.Transfer.ReadAheadStream(new HashingStream(new MemoryStream([1, 2, 3]))))
        {
            (read, hashes, owned) = HashedStreams.For(ahead, includeSha256: false);
            Assert.Same(ahead, read);
            Assert.Same(ahead, hashes);
            Assert.False(owned);
            ahead.ReadByte();
            // Once it has delivered bytes, a writer would miss them: wrapped.
            (read, hashes, owned) = HashedStreams.For(ahead, includeSha256: false);
            Assert.True(owned);
            Assert.NotSame(ahead, hashes);
        }

        // A read-ahead over a source read before says it does not hash every byte: wrapped.
        var used = new HashingStream(new MemoryStream([1, 2, 3]));
        used.ReadByte();
        using (var ahead = new CloudStorage.Core.Transfer.ReadAheadStream(used))
        {
            Assert.False(ahead.HashesEveryByte);
            Assert.True(HashedStreams.For(ahead, includeSha256: false).Owned);
        }

        // Asked for SHA-256 it does not compute: wrapped.
        (_, hashes, owned) = HashedStreams.For(fresh, includeSha256: true);
        Assert.True(owned && hashes.IncludesSha256);

        // Already read from: its hashes would not cover what the writer reads, so wrapped.
        fresh.ReadByte();
        (_, hashes, owned) = HashedStreams.For(fresh, includeSha256: false);
        Assert.True(owned);
        Assert.NotSame(fresh, hashes);
    }

    [Fact]
    public async Task A_read_aheads_hashes_are_final_when_it_answers_whatever_the_prefetch_was_doing()
    {
        var data = new byte[5 << 20];
        new Random(7).NextBytes(data);
        await using var ahead = new CloudStorage.Core.Transfer.ReadAheadStream(new HashingStream(new MemoryStream(data)), chunkSize: 1 << 16);
        await ahead.CopyToAsync(Stream.Null);

        var (length, hashes) = ahead.GetHashes();

        Assert.Equal(data.Length, length);
        Assert.Contains(ContentHash.Compute(HashAlgorithmKind.MD5, data), hashes);
    }

    [Fact]
    public async Task The_local_writer_verifies_through_the_engines_hashing_stream_and_still_refuses_a_mismatch()
    {
        var root = Path.Combine(Path.GetTempPath(), "cs-hash-reuse-" + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            var local = new CloudStorage.Core.Providers.Local.LocalStorageProvider(root, "reuse");
            var data = Encoding.UTF8.GetBytes("hello");
            var md5 = new ContentHash(HashAlgorithmKind.MD5, System.Security.Cryptography.MD5.HashData(data));
            var good = new HashingStream(new MemoryStream(data));
            await local.WriteAsync("ok.txt", good, new WriteOptions { ExpectedHashes = [md5] });
            Assert.Equal(5, good.BytesRead);
            Assert.Equal(md5, good.GetHashes()[0]);

            var wrong = new ContentHash(HashAlgorithmKind.MD5, new byte[16]);
            var ex = await Assert.ThrowsAsync<CloudStorage.Core.Errors.StorageException>(() =>
                local.WriteAsync("bad.txt", new HashingStream(new MemoryStream(data)), new WriteOptions { ExpectedHashes = [wrong] }));
            Assert.Equal(CloudStorage.Core.Errors.StorageErrorKind.IntegrityFailure, ex.Kind);
            Assert.Null(await local.StatAsync("bad.txt"));
        }
        finally
        {
            if (Directory.Exists(root)) Directory.Delete(root, recursive: true);
        }
    }

    [Fact]
    public void The_hardware_and_table_CRC32C_agree_on_every_length_and_alignment()
    {
        var data = new byte[4099];
        new Random(32).NextBytes(data);
        for (var start = 0; start < 9; start++)
            foreach (var length in new[] { 0, 1, 7, 8, 9, 63, 64, 65, 1000, 4090 })
            {
                var span = data.AsSpan(start, length);
                Assert.Equal(Crc32C.UpdateSoftware(0xFFFFFFFFu, span), Crc32C.UpdateHardware(0xFFFFFFFFu, span));
            }
        // The RFC 3720 check value through both paths.
        var check = Encoding.ASCII.GetBytes("123456789");
        Assert.Equal(0xE3069283u, ~Crc32C.UpdateSoftware(0xFFFFFFFFu, check));
        Assert.Equal(0xE3069283u, ~Crc32C.UpdateHardware(0xFFFFFFFFu, check));
    }
}
