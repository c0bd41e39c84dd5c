using System.Diagnostics;
using Amazon.Runtime;
using CloudStorage.Core.Errors;
using CloudStorage.Core.Model;
using CloudStorage.Providers.Azure;
using CloudStorage.Providers.Common;
using CloudStorage.Providers.Gcs;
using CloudStorage.Providers.Resilience;
using CloudStorage.Providers.S3;
using CloudStorage.Core.Providers;

namespace CloudStorage.Providers.Tests.Faults;

/// <summary>
/// Bounded time on every cloud: against an endpoint that accepts connections and never answers (idle read) and one
/// that never completes a TCP handshake (connect), a call fails within its timeouts and retries, as a transient
/// StorageException whose message names the address and the option to raise. Short timeouts set by option keep these
/// quick; no emulator is needed.
/// </summary>
public sealed class TimeoutTests
{
    private static readonly HttpTimeouts Short = new() { Connect = TimeSpan.FromSeconds(0.5), Read = TimeSpan.FromSeconds(0.5) };

    private static readonly StorageResilienceOptions OneRetry = new() { MaxRetryAttempts = 1, BaseDelay = TimeSpan.FromMilliseconds(10), MaxDelay = TimeSpan.FromMilliseconds(10) };

    public static TheoryData<string> Clouds => new() { "s3", "azure", "gcs" };

    private static readonly StorageResilienceOptions NoRetry = new() { MaxRetryAttempts = 0 };

    private static IStorageProvider Create(string cloud, string origin, HttpTimeouts? timeouts = null, StorageResilienceOptions? retry = null) => new ResilientStorageProvider(cloud switch
    {
        "s3" => new S3StorageProvider(new S3ProviderOptions
        {
            Bucket = "bucket", Endpoint = new Uri(origin), Region = "us-east-1", Credentials = new BasicAWSCredentials("AKIDEXAMPLE", "not-a-secret"),
            Timeouts = timeouts ?? Short, PartRetry = retry ?? OneRetry,
        }),
        "azure" => new AzureBlobStorageProvider(new AzureBlobProviderOptions
        {
            Account = "devstoreaccount1", Container = "box", Endpoint = new Uri(origin + "/devstoreaccount1"),
            Credential = AzureStorageCredential.SharedKey("devstoreaccount1", Convert.ToBase64String(new byte[32])),
            Timeouts = timeouts ?? Short, PartRetry = retry ?? OneRetry,
        }),
        "gcs" => new GcsStorageProvider(new GcsProviderOptions { Bucket = "bucket", EmulatorHost = origin, Timeouts = timeouts ?? Short, RequestRetry = retry ?? OneRetry }),
        _ => throw new ArgumentOutOfRangeException(nameof(cloud)),
    }, retry ?? OneRetry);

    // Old code waited for many minutes here: a test that hangs is cut at 60 s so it fails instead.
    private static async Task<(StorageException Error, TimeSpan Elapsed)> FailsWithinAsync(Func<Task> call)
    {
        var clock = Stopwatch.StartNew();
        var run = Task.Run(call);
        var finished = await Task.WhenAny(run, Task.Delay(TimeSpan.FromSeconds(60)));
        Assert.True(finished == run, "the call was still waiting after 60 s");
        var error = await Assert.ThrowsAsync<StorageException>(() => run);
        return (error, clock.Elapsed);
    }

    [Theory, MemberData(nameof(Clouds))]
    public async Task Timeout_idle_read_a_listing_against_a_silent_endpoint_fails_fast_naming_the_address(string cloud)
    {
        using var hole = BlackHole.Silent();
        var provider = Create(cloud, hole.Origin);
        var (error, elapsed) = await FailsWithinAsync(async () =>
        {
            await foreach (var _ in provider.ListAsync(new ListRequest())) { }
        });
        Assert.True(error.IsTransient);
        Assert.Contains($"127.0.0.1:{hole.Port}", error.Message);
        Assert.Contains(HttpTimeouts.ReadOption, error.Message);
        // Two attempts of 0.5 s each, plus scheduling slack on a shared machine.
        Assert.True(elapsed < TimeSpan.FromSeconds(15), $"took {elapsed}");
    }

    [Theory, MemberData(nameof(Clouds))]
    public async Task Timeout_idle_read_a_download_against_a_silent_endpoint_fails_fast_naming_the_address(string cloud)
    {
        using var hole = BlackHole.Silent();
        var provider = Create(cloud, hole.Origin);
        var (error, elapsed) = await FailsWithinAsync(async () =>
        {
            await using var read = await provider.OpenReadAsync("some/key.bin");
        });
        Assert.True(error.IsTransient);
        Assert.Contains($"127.0.0.1:{hole.Port}", error.Message);
        Assert.True(elapsed < TimeSpan.FromSeconds(15), $"took {elapsed}");
    }

    [Theory, MemberData(nameof(Clouds))]
    public async Task Timeout_connect_to_an_endpoint_that_never_completes_the_handshake_fails_fast_naming_the_address(string cloud)
    {
        using var hole = BlackHole.NoAccept();
        var provider = Create(cloud, hole.Origin);
        var (error, elapsed) = await FailsWithinAsync(() => provider.StatAsync("some/key.bin"));
        Assert.True(error.IsTransient);
        Assert.Contains($"127.0.0.1:{hole.Port}", error.Message);
        Assert.Contains(HttpTimeouts.ConnectOption, error.Message);
        Assert.True(elapsed < TimeSpan.FromSeconds(15), $"took {elapsed}");
    }

    // The read clock stops while the request's own connection opens: with a read timeout far shorter than the connect
    // timeout (a timer race the old code lost whenever the connect timer ran late on a busy machine), the error is still
    // the connect timeout.
    [Theory, MemberData(nameof(Clouds))]
    public async Task Timeout_connect_is_reported_as_such_even_when_the_read_timeout_is_much_shorter(string cloud)
    {
        using var hole = BlackHole.NoAccept();
        // One attempt: a retry could pick up the first attempt's failed connection and hide the race.
        var provider = Create(cloud, hole.Origin, new HttpTimeouts { Connect = TimeSpan.FromSeconds(0.5), Read = TimeSpan.FromMilliseconds(1) }, NoRetry);
        var (error, elapsed) = await FailsWithinAsync(() => provider.StatAsync("some/key.bin"));
        Assert.True(error.IsTransient);
        Assert.Contains($"127.0.0.1:{hole.Port}", error.Message);
        Assert.Contains(HttpTimeouts.ConnectOption, error.Message);
        Assert.DoesNotContain(HttpTimeouts.ReadOption, error.Message);
        Assert.True(elapsed >= TimeSpan.FromSeconds(0.45), $"gave up after {elapsed}, before the connect timeout");
    }

    [Theory, MemberData(nameof(Clouds))]
    public async Task Timeout_upload_to_a_silent_endpoint_fails_fast_and_leaves_as_a_StorageException(string cloud)
    {
        using var hole = BlackHole.Silent();
        var provider = Create(cloud, hole.Origin);
        var body = new byte[4096];
        var (error, elapsed) = await FailsWithinAsync(() =>
            provider.WriteAsync("up/key.bin", new NonSeekable(new MemoryStream(body)), new WriteOptions { Length = body.Length }));
        Assert.True(error.IsTransient);
        Assert.True(elapsed < TimeSpan.FromSeconds(20), $"took {elapsed}");
    }

    [Theory]
    [InlineData("s3", "s3://bucket/")]
    [InlineData("azure", "az://devstoreaccount1/box/")]
    [InlineData("gcs", "gs://bucket/")]
    public void Timeout_options_are_read_by_every_factory_and_refused_when_not_a_number_of_seconds(string cloud, string address)
    {
        IProviderFactory factory = cloud switch
        {
            "s3" => new S3ProviderFactory(),
            "azure" => new AzureBlobProviderFactory(environment: name => name == "AZURE_STORAGE_KEY" ? Convert.ToBase64String(new byte[32]) : null),
            _ => new GcsProviderFactory(),
        };
        var options = new Dictionary<string, string> { ["connect-timeout"] = "3", ["read-timeout"] = "7.5", ["anonymous"] = "true" };
        if (cloud != "gcs") options.Remove("anonymous");
        if (cloud == "s3") options["endpoint"] = "http://127.0.0.1:1";
        var provider = (ResilientStorageProvider)factory.Create(Core.Addressing.StorageUri.Parse(address), options);
        var timeouts = provider.Inner switch
        {
            S3StorageProvider s3 => s3.Options.Timeouts,
            AzureBlobStorageProvider azure => azure.Options.Timeouts,
            GcsStorageProvider gcs => gcs.Options.Timeouts,
            _ => throw new InvalidOperationException(),
        };
        Assert.Equal(TimeSpan.FromSeconds(3), timeouts.Connect);
        Assert.Equal(TimeSpan.FromSeconds(7.5), timeouts.Read);

        options["read-timeout"] = "soon";
        var e = Assert.Throws<StorageException>(() => factory.Create(Core.Addressing.StorageUri.Parse(address), options));
        Assert.Equal(StorageErrorKind.Configuration, e.Kind);
        Assert.Contains("read-timeout", e.Message);
    }

    [Fact]
    public void Timeout_defaults_end_a_dead_endpoint_within_about_two_minutes_including_retries()
    {
        var timeouts = new HttpTimeouts();
        var retries = new StorageResilienceOptions();
        var attempts = retries.MaxRetryAttempts + 1;
        // Worst case per attempt: a connect that times out, or a read that does; plus every backoff at its longest.
        var worst = attempts * TimeSpan.FromTicks(Math.Max(timeouts.Connect.Ticks, timeouts.Read.Ticks))
            + Enumerable.Range(0, retries.MaxRetryAttempts).Aggregate(TimeSpan.Zero, (sum, i) =>
                sum + TimeSpan.FromTicks(Math.Min(retries.MaxDelay.Ticks, retries.BaseDelay.Ticks << (i + 1))));
        Assert.True(worst <= TimeSpan.FromMinutes(2), $"worst case {worst}");
    }

    private sealed class NonSeekable(Stream inner) : Stream
    {
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count) => inner.Read(buffer, offset, count);
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
