namespace CloudStorage.Core.Tests.Conformance;

// Concurrent writers and readers: every write lands whole, readers never see a partial object.
public abstract partial class ProviderConformanceTests
{
    [Fact]
    public async Task Thirty_two_parallel_writers_of_distinct_keys_all_land()
    {
        var keys = Enumerable.Range(0, 32).Select(i => $"parallel/{i % 4}/obj-{i:D2}.bin").ToArray();

        await Task.WhenAll(keys.Select((key, i) => Task.Run(() => PutAsync(key, RandomBytes(10_000 + i, seed: i)))));

        Assert.Equal(SortedByKey(keys), await ListKeysAsync("parallel/"));
        for (var i = 0; i < keys.Length; i++)
            Assert.Equal(RandomBytes(10_000 + i, seed: i), await GetAsync(keys[i]));
    }

    [Fact]
    public async Task Parallel_writes_to_one_key_leave_exactly_one_complete_version()
    {
        var versions = Enumerable.Range(0, 12).Select(i => RandomBytes(200_000 + i * 1000, seed: 100 + i)).ToArray();

        await Task.WhenAll(versions.Select(v => Task.Run(() => PutAsync("contended.bin", v))));

        var stored = await GetAsync("contended.bin");
        Assert.Contains(versions, v => v.AsSpan().SequenceEqual(stored));
        Assert.Equal(stored.Length, (await Provider.StatAsync("contended.bin"))!.Size);
        Assert.Equal(["contended.bin"], await ListKeysAsync());
    }

    [Fact]
    public async Task A_reader_opened_before_an_overwrite_reads_one_complete_version()
    {
        var oldVersion = RandomBytes(2 * MiB, seed: 51);
        var newVersion = RandomBytes(2 * MiB + 17, seed: 52);
        await PutAsync("reading.bin", oldVersion);

        await using var reader = await Provider.OpenReadAsync("reading.bin");
        var head = new byte[1000];
        await reader.ReadExactlyAsync(head);
        await PutAsync("reading.bin", newVersion);
        var whole = head.Concat(await ReadToEndAsync(reader)).ToArray();

        Assert.True(whole.AsSpan().SequenceEqual(oldVersion) || whole.AsSpan().SequenceEqual(newVersion),
            $"the reader got {whole.Length} bytes that are neither version");
        Assert.Equal(newVersion, await GetAsync("reading.bin"));
    }

    [Fact]
    public async Task Readers_racing_overwrites_always_see_a_complete_version()
    {
        var versions = Enumerable.Range(0, 4).Select(i => RandomBytes(500_000 + i * 3, seed: 60 + i)).ToArray();
        await PutAsync("race.bin", versions[0]);

        var writers = versions.Skip(1).Select(v => Task.Run(() => PutAsync("race.bin", v)));
        var readers = Enumerable.Range(0, 6).Select(_ => Task.Run(() => GetAsync("race.bin"))).ToArray();
        await Task.WhenAll(writers.Cast<Task>().Concat(readers));

        foreach (var reader in readers)
            Assert.Contains(versions, v => v.AsSpan().SequenceEqual(reader.Result));
    }
}
