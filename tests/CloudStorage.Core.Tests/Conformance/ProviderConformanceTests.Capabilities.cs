using CloudStorage.Core.Errors;
using CloudStorage.Core.Model;
using CloudStorage.Core.Providers;

namespace CloudStorage.Core.Tests.Conformance;

// Content type, metadata, modified time, hashes, server-side copy, presign: each declared capability is tested,
// each undeclared one is checked to be consistently absent.
public abstract partial class ProviderConformanceTests
{
    [Fact]
    public async Task Content_type_round_trips_when_declared_and_is_not_reported_otherwise()
    {
        await PutAsync("typed.txt", Utf8("text"), new WriteOptions { ContentType = "text/plain; charset=utf-8" });

        var stat = await Provider.StatAsync("typed.txt");

        if (Caps.ContentType) Assert.Equal("text/plain; charset=utf-8", stat!.ContentType);
        else Assert.Null(stat!.ContentType);
    }

    [Fact]
    public async Task Content_headers_round_trip_when_declared_and_are_not_reported_otherwise()
    {
        await PutAsync("headers.txt", Utf8("h"), new WriteOptions
        {
            ContentEncoding = "identity", ContentDisposition = "attachment; filename=\"h.txt\"", ContentLanguage = "fr", CacheControl = "no-cache",
        });

        var stat = await Provider.StatAsync("headers.txt");
        var listed = await Provider.ListAsync(ListRequest.Recursive("headers.txt")).SingleAsync();

        var expected = Caps.ContentHeaders ? ("identity", "attachment; filename=\"h.txt\"", "fr", "no-cache") : (null, null, null, null);
        Assert.Equal(expected, (stat!.ContentEncoding, stat.ContentDisposition, stat.ContentLanguage, stat.CacheControl));
        // A listing reports them too, or none of the object's properties (S3: no content type either).
        if (listed.ContentType is not null)
            Assert.Equal(expected, (listed.ContentEncoding, listed.ContentDisposition, listed.ContentLanguage, listed.CacheControl));
    }

    [Fact]
    public async Task A_modification_time_asked_for_is_kept_natively_or_in_metadata()
    {
        var time = new DateTimeOffset(2023, 3, 4, 5, 6, 7, 890, TimeSpan.Zero);
        await PutAsync("timed.txt", Utf8("t"), new WriteOptions { ModifiedTime = time });
        var stat = await Provider.StatAsync("timed.txt");

        if (!Caps.CanSetModifiedTime && !Caps.UserMetadata) return;
        var kept = Transfer.StoredModifiedTime.Of(stat!) ?? throw new Xunit.Sdk.XunitException("no modification time");
        Assert.InRange((kept - time).Duration(), TimeSpan.Zero, Caps.ModifiedTimePrecision);
        if (Caps.CanSetModifiedTime) Assert.InRange((stat!.LastModified!.Value - time).Duration(), TimeSpan.Zero, Caps.ModifiedTimePrecision);
    }

    [Fact]
    public async Task Metadata_the_provider_declares_it_cannot_hold_is_InvalidArgument_and_the_rest_round_trips()
    {
        if (!Caps.UserMetadata) return;
        var badName = new WriteOptions { Metadata = new Dictionary<string, string> { ["original-filename"] = "a.txt" } };
        var badValue = new WriteOptions { Metadata = new Dictionary<string, string> { ["note"] = "Grüße" } };

        if (Caps.MetadataNames == MetadataNameRule.Identifier)
            Assert.Equal(StorageErrorKind.InvalidArgument, (await Assert.ThrowsAsync<StorageException>(() => PutAsync("bad-name.txt", Utf8("x"), badName))).Kind);
        else
            Assert.Equal("a.txt", (await PutAsync("bad-name.txt", Utf8("x"), badName)).Metadata["original-filename"]);

        if (Caps.MetadataAsciiValuesOnly)
        {
            var ex = await Assert.ThrowsAsync<StorageException>(() => PutAsync("bad-value.txt", Utf8("x"), badValue));
            Assert.Equal(StorageErrorKind.InvalidArgument, ex.Kind);
            Assert.Contains("'note'", ex.Message);
        }
        else
        {
            await PutAsync("bad-value.txt", Utf8("x"), badValue);
            Assert.Equal("Grüße", (await Provider.StatAsync("bad-value.txt"))!.Metadata["note"]);
        }
    }

    [Fact]
    public async Task User_metadata_round_trips_with_case_insensitive_names_when_declared_and_is_absent_otherwise()
    {
        var metadata = new Dictionary<string, string> { ["Owner"] = "alice", ["note"] = "two words" };

        var written = await PutAsync("meta.txt", Utf8("m"), new WriteOptions { Metadata = metadata });
        var stat = await Provider.StatAsync("meta.txt");

        if (Caps.UserMetadata)
        {
            Assert.Equal("alice", stat!.Metadata["owner"]);
            Assert.Equal("two words", stat.Metadata["NOTE"]);
            Assert.Equal("alice", written.Metadata["OWNER"]);
        }
        else
        {
            Assert.Empty(stat!.Metadata);
            Assert.Empty(written.Metadata);
        }
    }

    [Fact]
    public async Task Modified_time_is_honoured_when_declared_and_write_time_is_reported_otherwise()
    {
        var requested = new DateTimeOffset(2021, 3, 4, 5, 6, 7, TimeSpan.Zero).AddTicks(1_234_567);
        var before = DateTimeOffset.UtcNow;

        var written = await PutAsync("dated.txt", Utf8("d"), new WriteOptions { Length = 1, ModifiedTime = requested });
        var stat = await Provider.StatAsync("dated.txt");

        var listed = Assert.Single(await ListAsync(ListRequest.Recursive("dated")));
        foreach (var reported in new[] { written.LastModified, stat!.LastModified, listed.LastModified })
        {
            Assert.NotNull(reported);
            if (Caps.CanSetModifiedTime)
                Assert.InRange((reported.Value - requested).Duration(), TimeSpan.Zero, Caps.ModifiedTimePrecision);
            else
                Assert.True(reported.Value > before.AddMinutes(-5), $"LastModified {reported} should be the write time, not {requested}.");
        }
    }

    [Fact]
    public async Task LastModified_without_a_requested_time_is_the_time_of_writing()
    {
        var before = DateTimeOffset.UtcNow;

        await PutAsync("now.txt", "n");
        var stat = await Provider.StatAsync("now.txt");

        Assert.InRange(stat!.LastModified!.Value, before.AddMinutes(-1), DateTimeOffset.UtcNow.AddMinutes(1));
    }

    // ---- hashes ----

    [Fact]
    public async Task Listed_hashes_in_stat_are_the_declared_ones_and_equal_locally_computed_hashes()
    {
        var data = RandomBytes(300_000, seed: 31);
        await PutAsync("hashed.bin", data);

        var stat = await Provider.StatAsync("hashed.bin");

        AssertReportedHashes(stat!, data);
    }

    [Fact]
    public async Task Listed_hashes_in_listings_are_the_declared_ones_and_equal_locally_computed_hashes()
    {
        var data = RandomBytes(70_000, seed: 32);
        await PutAsync("lh/one.bin", data);
        await PutAsync("lh/empty.bin", []);

        var items = await ListAsync(ListRequest.Recursive("lh/"));

        AssertReportedHashes(items.Single(i => i.Key == "lh/one.bin"), data);
        AssertReportedHashes(items.Single(i => i.Key == "lh/empty.bin"), []);
    }

    private void AssertReportedHashes(StorageItem item, byte[] data)
    {
        Assert.Equal(Caps.ListedHashes.OrderBy(a => a), item.Hashes.Select(h => h.Algorithm).OrderBy(a => a));
        foreach (var hash in item.Hashes)
            Assert.Equal(ContentHash.Compute(hash.Algorithm, data), hash);
    }

    [Fact]
    public async Task Hash_source_hashes_equal_locally_computed_hashes_when_declared()
    {
        var data = RandomBytes(3 * MiB + 5, seed: 33);
        await PutAsync("hs/big.bin", data);
        await PutAsync("hs/empty.bin", []);

        if (Caps.HashSource is not { } source)
        {
            Assert.Empty(Caps.Hashes);
            return;
        }
        Assert.NotEmpty(source.Algorithms);
        foreach (var algorithm in Caps.Hashes)
        {
            Assert.Equal(ContentHash.Compute(algorithm, data), await source.GetHashAsync("hs/big.bin", algorithm));
            Assert.Equal(ContentHash.Compute(algorithm, []), await source.GetHashAsync("hs/empty.bin", algorithm));
        }
    }

    [Fact]
    public async Task Hash_source_of_a_missing_key_throws_NotFound()
    {
        if (Caps.HashSource is not { } source) return;
        var algorithm = source.Algorithms.First();

        await AssertFailsAsync(StorageErrorKind.NotFound, () => source.GetHashAsync("missing.bin", algorithm));
    }

    [Fact]
    public async Task Expected_hashes_that_match_are_accepted()
    {
        var data = RandomBytes(2 * MiB + 1, seed: 34);

        var written = await PutAsync("verified.bin", data, new WriteOptions { Length = data.Length, ExpectedHashes = AllHashesOf(data) });

        Assert.Equal(data.Length, written.Size);
        Assert.Equal(data, await GetAsync("verified.bin"));
    }

    [Theory]
    [InlineData(HashAlgorithmKind.MD5)]
    [InlineData(HashAlgorithmKind.CRC32C)]
    [InlineData(HashAlgorithmKind.SHA256)]
    public async Task Expected_hash_mismatch_fails_with_IntegrityFailure_and_keeps_the_previous_version(HashAlgorithmKind algorithm)
    {
        var original = Utf8("the original version");
        await PutAsync("guarded.txt", original);
        var candidate = RandomBytes(200_000, seed: 35);

        var e = await AssertFailsAsync(StorageErrorKind.IntegrityFailure, () =>
            PutAsync("guarded.txt", candidate, new WriteOptions { Length = candidate.Length, ExpectedHashes = [WrongHash(algorithm)] }));

        Assert.Contains("guarded.txt", e.Message);
        Assert.Equal(original, await GetAsync("guarded.txt"));
        Assert.Equal(original.Length, (await Provider.StatAsync("guarded.txt"))!.Size);
    }

    [Fact]
    public async Task Expected_hash_mismatch_on_a_new_key_from_a_stream_of_unknown_length_stores_nothing()
    {
        var data = RandomBytes(5 * MiB + 3, seed: 36);
        var expected = new[] { ContentHash.Compute(HashAlgorithmKind.MD5, data), WrongHash(HashAlgorithmKind.CRC32C) };

        await AssertFailsAsync(StorageErrorKind.IntegrityFailure, () =>
            Provider.WriteAsync("new/unverified.bin", new NonSeekableStream(new MemoryStream(data)), new WriteOptions { ExpectedHashes = expected }));

        Assert.Null(await Provider.StatAsync("new/unverified.bin"));
        Assert.Empty(await ListKeysAsync());
    }

    [Fact]
    public async Task Length_shorter_than_the_content_fails_and_stores_nothing()
    {
        var data = RandomBytes(10_000, seed: 37);

        await AssertFailsAsync(StorageErrorKind.IntegrityFailure, () =>
            Provider.WriteAsync("short.bin", new NonSeekableStream(new MemoryStream(data)), new WriteOptions { Length = 9_999 }));

        Assert.Null(await Provider.StatAsync("short.bin"));
        Assert.Empty(await ListKeysAsync());
    }

    [Fact]
    public async Task Length_longer_than_the_content_fails_and_keeps_the_previous_version()
    {
        await PutAsync("long.bin", "previous");
        var data = RandomBytes(10_000, seed: 38);

        await AssertFailsAsync(StorageErrorKind.IntegrityFailure, () =>
            Provider.WriteAsync("long.bin", new NonSeekableStream(new MemoryStream(data)), new WriteOptions { Length = 10_001 }));

        Assert.Equal(Utf8("previous"), await GetAsync("long.bin"));
    }

    // ---- interrupted writes ----

    [Fact]
    public async Task Cancellation_during_a_write_keeps_the_previous_content()
    {
        await PutAsync("interrupted.bin", "previous");
        using var cts = new CancellationTokenSource();
        var data = RandomBytes(3 * MiB, seed: 39);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            Provider.WriteAsync("interrupted.bin", InterruptingStream.Cancelling(data, 256 * 1024, cts), new WriteOptions(), cts.Token));

        Assert.Equal(Utf8("previous"), await GetAsync("interrupted.bin"));
        Assert.Equal(["interrupted.bin"], await ListKeysAsync());
    }

    [Fact]
    public async Task A_failing_source_stream_keeps_the_previous_content()
    {
        await PutAsync("failing.bin", "previous");
        var data = RandomBytes(3 * MiB, seed: 40);

        await Assert.ThrowsAnyAsync<Exception>(() =>
            Provider.WriteAsync("failing.bin", InterruptingStream.Failing(data, 256 * 1024), new WriteOptions()));

        Assert.Equal(Utf8("previous"), await GetAsync("failing.bin"));
        Assert.Equal(["failing.bin"], await ListKeysAsync());
    }

    [Fact]
    public async Task Write_with_an_already_cancelled_token_stores_nothing()
    {
        using var cts = new CancellationTokenSource();
        cts.Cancel();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => PutAsync("cancelled.txt", Utf8("x"), null, cts.Token));

        Assert.Null(await Provider.StatAsync("cancelled.txt"));
    }

    // ---- server-side copy ----

    [Fact]
    public void A_declared_copier_reaches_its_own_objects()
    {
        if (Caps.Copier is { } copier) Assert.True(copier.CanCopyFrom(Provider), "a copier must reach its own objects");
    }

    private IServerSideCopier? CopierOrAbsence() => Caps.Copier;

    [Fact]
    public async Task Server_side_copy_copies_content_size_and_hashes()
    {
        if (CopierOrAbsence() is not { } copier) return;
        var data = RandomBytes(1_500_000, seed: 41);
        await PutAsync("copy/source.bin", data);

        var copied = await copier.CopyFromAsync(Provider, "copy/source.bin", "copy/dest/target.bin", new WriteOptions());

        AssertItemAddressing(copied, "copy/dest/target.bin");
        Assert.Equal(data.Length, copied.Size);
        Assert.Equal(data, await GetAsync("copy/dest/target.bin"));
        Assert.Equal(data, await GetAsync("copy/source.bin"));
        AssertReportedHashes((await Provider.StatAsync("copy/dest/target.bin"))!, data);
        if (Caps.HashSource is { } hashes)
            foreach (var algorithm in hashes.Algorithms)
                Assert.Equal(ContentHash.Compute(algorithm, data), await hashes.GetHashAsync("copy/dest/target.bin", algorithm));
    }

    [Fact]
    public async Task Server_side_copy_keeps_content_headers_when_declared()
    {
        if (CopierOrAbsence() is not { } copier || !Caps.ContentHeaders) return;
        await PutAsync("copy/headers.txt", Utf8("h"), new WriteOptions
        {
            ContentEncoding = "identity", ContentDisposition = "inline", ContentLanguage = "nl", CacheControl = "max-age=5",
        });

        await copier.CopyFromAsync(Provider, "copy/headers.txt", "copy/headers-copy.txt", new WriteOptions());
        var stat = await Provider.StatAsync("copy/headers-copy.txt");

        Assert.Equal(("identity", "inline", "nl", "max-age=5"), (stat!.ContentEncoding, stat.ContentDisposition, stat.ContentLanguage, stat.CacheControl));
    }

    [Fact]
    public async Task Server_side_copy_keeps_content_type_and_metadata_when_declared()
    {
        if (CopierOrAbsence() is not { } copier) return;
        await PutAsync("copy/meta.txt", Utf8("m"), new WriteOptions
        {
            ContentType = "application/x-test",
            Metadata = new Dictionary<string, string> { ["origin"] = "source" },
        });

        await copier.CopyFromAsync(Provider, "copy/meta.txt", "copy/meta-copy.txt", new WriteOptions());
        var stat = await Provider.StatAsync("copy/meta-copy.txt");

        Assert.Equal(Caps.ContentType ? "application/x-test" : null, stat!.ContentType);
        if (Caps.UserMetadata) Assert.Equal("source", stat.Metadata["origin"]);
        else Assert.Empty(stat.Metadata);
    }

    [Fact]
    public async Task Server_side_copy_of_a_missing_source_throws_NotFound_and_creates_nothing()
    {
        if (CopierOrAbsence() is not { } copier) return;

        await AssertFailsAsync(StorageErrorKind.NotFound, () =>
            copier.CopyFromAsync(Provider, "copy/missing.bin", "copy/never.bin", new WriteOptions()));

        Assert.Null(await Provider.StatAsync("copy/never.bin"));
    }

    [Fact]
    public async Task Server_side_copy_replaces_an_existing_destination()
    {
        if (CopierOrAbsence() is not { } copier) return;
        await PutAsync("copy/new.txt", "new content");
        await PutAsync("copy/old.txt", "old content that is longer");

        var copied = await copier.CopyFromAsync(Provider, "copy/new.txt", "copy/old.txt", new WriteOptions());

        Assert.Equal(11, copied.Size);
        Assert.Equal(Utf8("new content"), await GetAsync("copy/old.txt"));
    }

    // ---- presign ----

    [Fact]
    public void A_declared_presigner_has_a_positive_maximum_expiry()
    {
        if (Caps.Presigner is { } presigner) Assert.True(presigner.MaxExpiry > TimeSpan.Zero);
    }

    [Fact]
    public async Task Presigned_GET_serves_the_object_to_a_plain_HTTP_client_when_declared()
    {
        if (Caps.Presigner is not { } presigner) return;
        var data = RandomBytes(4096, seed: 42);
        await PutAsync("presign/get.bin", data);
        var url = await presigner.PresignAsync("presign/get.bin", new PresignRequest { ExpiresIn = TimeSpan.FromMinutes(5) });

        using var http = new HttpClient();
        Assert.Equal(data, await http.GetByteArrayAsync(url.Url));
        Assert.Equal(Provider.AddressRoot + "presign/get.bin", url.Uri);
    }

    [Fact]
    public async Task Presigning_beyond_the_maximum_expiry_throws_InvalidArgument_when_declared()
    {
        if (Caps.Presigner is not { } presigner) return;
        await PutAsync("presign/x.bin", "x");

        await AssertFailsAsync(StorageErrorKind.InvalidArgument, () =>
            presigner.PresignAsync("presign/x.bin", new PresignRequest { ExpiresIn = Caps.MaxPresignExpiry + TimeSpan.FromDays(1) }));
    }

    // ---- batch delete ----

    [Fact]
    public async Task A_declared_batch_deleter_deletes_each_key_and_reports_a_missing_one_as_deleted()
    {
        if (Caps.BatchDeleter is not { } deleter) return;
        Assert.True(deleter.MaxBatchSize >= 1);
        await PutAsync("batch/a.txt", "a");
        await PutAsync("batch/b.txt", "b");
        await PutAsync("batch/kept.txt", "k");

        var results = await deleter.DeleteManyAsync(["batch/a.txt", "batch/missing.txt", "batch/b.txt"]);

        Assert.Equal(["batch/a.txt", "batch/missing.txt", "batch/b.txt"], results.Select(r => r.Key));
        Assert.All(results, r => Assert.True(r.Succeeded, r.Error?.Message));
        Assert.Null(await Provider.StatAsync("batch/a.txt"));
        Assert.Null(await Provider.StatAsync("batch/b.txt"));
        Assert.NotNull(await Provider.StatAsync("batch/kept.txt"));
    }

    // ---- existence probe ----

    [Fact]
    public async Task A_declared_existence_probe_finds_a_store_and_a_folder_that_hold_objects()
    {
        if (Caps.ExistenceProbe is not { } probe) return;
        await PutAsync("probe/dir/x.txt", "x");

        Assert.True(await probe.PrefixExistsAsync(""));
        Assert.True(await probe.PrefixExistsAsync("probe/dir/"));
    }
}
