using System.Diagnostics;
using System.Net;
using Amazon.Runtime;
using Amazon.S3;
using CloudStorage.Providers.S3;
using CloudStorage.Core.Addressing;
using CloudStorage.Core.Errors;
using CloudStorage.Core.Model;
using CloudStorage.Providers.Resilience;
using CloudStorage.Providers.Tests.Support;
using CloudStorage.Core.Tests.Conformance;
using CloudStorage.Core.Transfer;
using CloudStorage.Core.Providers;

namespace CloudStorage.Providers.Tests.Resilience;

public sealed class ResilientStorageProviderTests
{
    private readonly FlakyProvider _flaky = new();
    private readonly InstantTimeProvider _clock = new();
    private readonly List<StorageRetryEvent> _retries = [];

    private ResilientStorageProvider Resilient(int maxRetries = 4, TimeSpan? baseDelay = null) =>
        new(_flaky, new StorageResilienceOptions
        {
            MaxRetryAttempts = maxRetries,
            BaseDelay = baseDelay ?? TimeSpan.FromSeconds(1),
            MaxDelay = TimeSpan.FromSeconds(30),
            TimeProvider = _clock,
            OnRetry = e => { lock (_retries) _retries.Add(e); },
        });

    private async Task PutAsync(string key, string text)
    {
        var bytes = System.Text.Encoding.UTF8.GetBytes(text);
        await _flaky.Store.WriteAsync(key, new MemoryStream(bytes), new WriteOptions { Length = bytes.Length });
    }

    [Fact]
    public async Task Transient_failures_are_retried_with_growing_jittered_backoff_on_the_injected_clock_without_sleeping()
    {
        await PutAsync("a.txt", "alpha");
        _flaky.Fail("Stat", FlakyProvider.Transient(), FlakyProvider.Throttled(), FlakyProvider.Transient());
        var provider = Resilient(baseDelay: TimeSpan.FromSeconds(10));
        var watch = Stopwatch.StartNew();

        var item = await provider.StatAsync("a.txt");

        Assert.Equal(5, item!.Size);
        Assert.Equal(4, _flaky.Calls("Stat"));
        Assert.Equal(3, _clock.Delays.Count);
        Assert.All(_clock.Delays, d => Assert.InRange(d, TimeSpan.FromMilliseconds(1), TimeSpan.FromSeconds(30)));
        Assert.True(_clock.Delays.Sum(d => d.TotalSeconds) > 10, "exponential backoff from a 10 s base adds up to more than 10 s of virtual time");
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(5), $"no real waiting, yet {watch.Elapsed} passed");
        Assert.Equal(["Stat", "Stat", "Stat"], _retries.Select(r => r.Operation));
        Assert.Equal([0, 1, 2], _retries.Select(r => r.Attempt));
    }

    [Fact]
    public async Task A_Retry_After_from_the_server_is_the_delay_used()
    {
        await PutAsync("a.txt", "alpha");
        _flaky.Fail("Stat", FlakyProvider.Throttled(TimeSpan.FromSeconds(7)), FlakyProvider.Transient(TimeSpan.FromSeconds(3)));

        await Resilient().StatAsync("a.txt");

        Assert.Equal([TimeSpan.FromSeconds(7), TimeSpan.FromSeconds(3)], _clock.Delays);
    }

    [Fact]
    public async Task Attempts_are_bounded_and_the_last_failure_is_reported()
    {
        _flaky.Fail("Delete", Enumerable.Range(0, 10).Select(_ => (Exception)FlakyProvider.Transient()).ToArray());

        var e = await Assert.ThrowsAsync<StorageException>(() => Resilient(maxRetries: 3).DeleteAsync("x.txt"));

        Assert.Equal(StorageErrorKind.Transient, e.Kind);
        Assert.Equal(4, _flaky.Calls("Delete"));
        Assert.Equal(3, _clock.Delays.Count);
    }

    [Fact]
    public async Task Permission_denied_is_never_retried()
    {
        _flaky.Fail("OpenRead", FlakyProvider.Denied(), FlakyProvider.Denied());

        var e = await Assert.ThrowsAsync<StorageException>(() => Resilient().OpenReadAsync("x.txt"));

        Assert.Equal(StorageErrorKind.PermissionDenied, e.Kind);
        Assert.Equal(1, _flaky.Calls("OpenRead"));
        Assert.Empty(_clock.Delays);
    }

    [Fact]
    public async Task Permanent_failures_such_as_NotFound_are_not_retried()
    {
        var e = await Assert.ThrowsAsync<StorageException>(() => Resilient().OpenReadAsync("missing.txt"));

        Assert.Equal(StorageErrorKind.NotFound, e.Kind);
        Assert.Equal(1, _flaky.Calls("OpenRead"));
    }

    [Fact]
    public async Task A_listing_that_fails_part_way_resumes_after_the_last_key_without_duplicates()
    {
        string[] keys = ["a", "b/1", "b/2", "c", "d", "e"];
        foreach (var k in keys) await PutAsync(k, k);
        _flaky.ListFailAfter = 2;
        _flaky.Fail("List", FlakyProvider.Transient(), FlakyProvider.Transient());

        var listed = new List<string>();
        await foreach (var item in Resilient().ListAsync(new ListRequest { PageSize = 1 })) listed.Add(item.Key);

        Assert.Equal(keys, listed);
        Assert.Equal(3, _flaky.Calls("List"));
    }

    [Fact]
    public async Task A_seekable_write_is_retried_from_where_the_stream_started()
    {
        var stream = new MemoryStream(System.Text.Encoding.UTF8.GetBytes("skip|payload"));
        stream.Position = 5;
        _flaky.Fail("Write", FlakyProvider.Transient());

        var written = await Resilient().WriteAsync("w.txt", stream, new WriteOptions());

        Assert.Equal(7, written.Size);
        Assert.Equal(2, _flaky.Calls("Write"));
        var read = new MemoryStream();
        await (await _flaky.Store.OpenReadAsync("w.txt")).CopyToAsync(read);
        Assert.Equal("payload", System.Text.Encoding.UTF8.GetString(read.ToArray()));
    }

    [Fact]
    public async Task A_non_seekable_write_is_not_retried_because_its_bytes_are_gone()
    {
        _flaky.Fail("Write", FlakyProvider.Transient());

        var e = await Assert.ThrowsAsync<StorageException>(() =>
            Resilient().WriteAsync("w.txt", new NonSeekableStream(new MemoryStream(new byte[100])), new WriteOptions()));

        Assert.Equal(StorageErrorKind.Transient, e.Kind);
        Assert.Equal(1, _flaky.Calls("Write"));
    }

    [Fact]
    public async Task Cancellation_stops_retrying()
    {
        _flaky.Fail("Stat", FlakyProvider.Transient(), FlakyProvider.Transient());
        using var cts = new CancellationTokenSource();
        var provider = new ResilientStorageProvider(_flaky, new StorageResilienceOptions
        {
            TimeProvider = _clock,
            OnRetry = _ => cts.Cancel(),
        });

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => provider.StatAsync("a.txt", cts.Token));

        Assert.Equal(1, _flaky.Calls("Stat"));
    }

    [Fact]
    public async Task The_engine_finds_the_inner_server_side_copy_through_the_decorator_and_it_is_retried()
    {
        await PutAsync("src.txt", "copy me");
        _flaky.Fail("Copy", FlakyProvider.Transient());
        var provider = Resilient();
        var engine = new TransferEngine();

        var copied = await engine.CopyAsync(new StorageLocation(provider, "src.txt"), new StorageLocation(provider, "dst.txt"), new CopyRequest());

        Assert.Equal(7, copied.Size);
        Assert.Equal(2, _flaky.Calls("Copy"));
        Assert.Equal(provider.Name, copied.ProviderName);
    }

    [Fact]
    public void Names_addresses_and_capabilities_are_the_inner_providers()
    {
        var provider = Resilient();

        Assert.Equal(_flaky.Name, provider.Name);
        Assert.Equal(_flaky.AddressRoot, provider.AddressRoot);
        AbilityAssert.SameAbilities(_flaky.Capabilities, provider.Capabilities);
    }

    [Fact]
    public void Every_layer_declares_exactly_its_inner_providers_abilities()
    {
        var memory = new CloudStorage.Core.Providers.Memory.MemoryStorageProvider("abilities");
        IStorageProvider[] layers =
        [
            new ResilientStorageProvider(memory),
            new NamedProvider("n", new ResilientStorageProvider(memory), "p/"),
            new ResilientStorageProvider(new NamedProvider("n", memory, "p/")),
            new ResilientStorageProvider(_flaky),
        ];
        foreach (var layer in layers)
        {
            var inner = ((ProviderDecorator)layer).Inner;
            AbilityAssert.SameAbilities(inner.Capabilities, layer.Capabilities);
        }
        // Memory has no batch delete and no presigning: no layer offers them (the retry layer used to claim all four).
        Assert.All(layers, l => Assert.Null(l.Capabilities.BatchDeleter));
        Assert.All(layers, l => Assert.Null(l.Capabilities.Presigner));
    }

    [Fact]
    public async Task A_declared_ability_is_retried_through_the_resilience_layer()
    {
        await PutAsync("src.txt", "alpha");
        _flaky.Fail("Copy", FlakyProvider.Transient());
        var provider = Resilient();

        var copied = await provider.Capabilities.Copier!.CopyFromAsync(_flaky, "src.txt", "dst.txt", new WriteOptions());

        Assert.Equal(5, copied.Size);
        Assert.Equal(2, _flaky.Calls("Copy"));
    }

    [Fact]
    public async Task An_S3_SlowDown_with_Retry_After_is_mapped_retried_after_that_delay_and_then_succeeds()
    {
        var stub = new StubHttpClientFactory()
            .Then(_ => StubHttpClientFactory.Error(HttpStatusCode.ServiceUnavailable, "SlowDown", ("Retry-After", "7")))
            .Then(_ => StubHttpClientFactory.Error(HttpStatusCode.InternalServerError, "InternalError"))
            .Then(_ => new HttpResponseMessage(HttpStatusCode.OK) { Content = new ByteArrayContent("hello"u8.ToArray()) });
        var options = new S3ProviderOptions
        {
            Bucket = "bucket", Endpoint = new Uri("http://s3.test.invalid"), Credentials = new BasicAWSCredentials("AKID", "secret"),
        };
        var config = S3StorageProvider.CreateConfig(options);
        config.HttpClientFactory = stub;
        using var client = new AmazonS3Client(options.Credentials, config);
        using var s3 = new S3StorageProvider(options, client);
        var provider = new ResilientStorageProvider(s3, new StorageResilienceOptions { TimeProvider = _clock, BaseDelay = TimeSpan.FromMilliseconds(100) });

        await using var stream = await provider.OpenReadAsync("key.txt");

        Assert.Equal("hello", await new StreamReader(stream).ReadToEndAsync());
        Assert.Equal(3, stub.Requests);
        Assert.Equal(2, _clock.Delays.Count);
        Assert.Equal(TimeSpan.FromSeconds(7), _clock.Delays[0]);
        Assert.True(_clock.Delays[1] < TimeSpan.FromSeconds(7));
    }

    [Fact]
    public async Task An_S3_AccessDenied_is_not_retried()
    {
        var stub = new StubHttpClientFactory().Then(_ => StubHttpClientFactory.Error(HttpStatusCode.Forbidden, "AccessDenied"));
        var options = new S3ProviderOptions
        {
            Bucket = "bucket", Endpoint = new Uri("http://s3.test.invalid"), Credentials = new BasicAWSCredentials("AKID", "secret"),
        };
        var config = S3StorageProvider.CreateConfig(options);
        config.HttpClientFactory = stub;
        using var client = new AmazonS3Client(options.Credentials, config);
        using var s3 = new S3StorageProvider(options, client);
        var provider = new ResilientStorageProvider(s3, new StorageResilienceOptions { TimeProvider = _clock });

        var e = await Assert.ThrowsAsync<StorageException>(() => provider.OpenReadAsync("key.txt"));

        Assert.Equal(StorageErrorKind.PermissionDenied, e.Kind);
        Assert.Equal(1, stub.Requests);
        Assert.Empty(_clock.Delays);
    }

    private static HttpResponseMessage DeleteResult(params (string Key, string Code)[] errors) => new(HttpStatusCode.OK)
    {
        Content = new StringContent("<?xml version=\"1.0\" encoding=\"UTF-8\"?><DeleteResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
            + string.Concat(errors.Select(e => $"<Error><Key>{e.Key}</Key><Code>{e.Code}</Code><Message>{e.Code} (test)</Message></Error>"))
            + "</DeleteResult>", System.Text.Encoding.UTF8, "application/xml"),
    };

    [Fact]
    public async Task A_batch_delete_maps_per_key_S3_errors_and_retries_only_the_keys_that_failed_transiently()
    {
        var bodies = new List<string>();
        string Body(HttpRequestMessage r) { var b = r.Content!.ReadAsStringAsync().GetAwaiter().GetResult(); lock (bodies) bodies.Add(b); return b; }
        var stub = new StubHttpClientFactory()
            .Then(r => { Body(r); return DeleteResult(("a", "SlowDown"), ("b", "AccessDenied"), ("c", "InternalError")); })
            .Then(r => { Body(r); return StubHttpClientFactory.Error(HttpStatusCode.ServiceUnavailable, "ServiceUnavailable"); })
            .Then(r => { Body(r); return DeleteResult(("c", "InternalError")); })
            .Then(r => { Body(r); return DeleteResult(("c", "InternalError")); });
        var options = new S3ProviderOptions
        {
            Bucket = "bucket", Endpoint = new Uri("http://s3.test.invalid"), Credentials = new BasicAWSCredentials("AKID", "secret"), SdkMaxErrorRetry = 0,
        };
        var config = S3StorageProvider.CreateConfig(options);
        config.HttpClientFactory = stub;
        using var client = new AmazonS3Client(options.Credentials, config);
        using var s3 = new S3StorageProvider(options, client);
        var provider = new ResilientStorageProvider(s3, new StorageResilienceOptions { TimeProvider = _clock, MaxRetryAttempts = 3 });

        var results = await provider.Capabilities.BatchDeleter!.DeleteManyAsync(["a", "b", "c", "d"]);

        Assert.Equal(["a", "b", "c", "d"], results.Select(r => r.Key));
        Assert.True(results[0].Succeeded);
        Assert.Equal(StorageErrorKind.PermissionDenied, results[1].Error!.Kind);
        Assert.Equal("s3://bucket/b", results[1].Error!.Target);
        Assert.Equal(StorageErrorKind.Transient, results[2].Error!.Kind);
        Assert.True(results[3].Succeeded);
        Assert.Equal(4, stub.Requests);
        // The first request carries every key; the retries only those that failed transiently.
        Assert.All(["a", "b", "c", "d"], k => Assert.Contains($"<Key>{k}</Key>", bodies[0]));
        Assert.Contains("<Key>a</Key>", bodies[1]);
        Assert.Contains("<Key>c</Key>", bodies[1]);
        Assert.DoesNotContain("<Key>b</Key>", bodies[1]);
        Assert.DoesNotContain("<Key>d</Key>", bodies[1]);
        Assert.All(bodies.Skip(1), b => Assert.DoesNotContain("<Key>b</Key>", b));
        Assert.Equal(3, _clock.Delays.Count);
    }

    [Fact]
    public void Options_out_of_range_are_refused()
    {
        Assert.Throws<StorageException>(() => new ResilientStorageProvider(_flaky, new StorageResilienceOptions { MaxRetryAttempts = -1 }));
        Assert.Throws<StorageException>(() => new ResilientStorageProvider(_flaky, new StorageResilienceOptions { BaseDelay = TimeSpan.Zero }));
    }
}
