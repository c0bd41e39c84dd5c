using Azure.Core;
using CloudStorage.Core.Errors;
using CloudStorage.Core.Model;
using CloudStorage.Providers.Azure;
using CloudStorage.Providers.Resilience;
using CloudStorage.Providers.Tests.Support;
using CloudStorage.Core.Providers;

namespace CloudStorage.Providers.Tests.Faults;

/// <summary>Every failure leaves the provider layer as a StorageException with a kind, whatever threw it.</summary>
public sealed class ErrorMappingTests
{
    private sealed class FixedToken : TokenCredential
    {
        public override AccessToken GetToken(TokenRequestContext requestContext, CancellationToken cancellationToken) =>
            new("not-a-real-token", DateTimeOffset.UtcNow.AddHours(1));

        public override ValueTask<AccessToken> GetTokenAsync(TokenRequestContext requestContext, CancellationToken cancellationToken) =>
            new(GetToken(requestContext, cancellationToken));
    }

    [Fact]
    public void Errors_Azure_Entra_token_over_an_http_endpoint_is_a_Configuration_error_not_an_ArgumentException()
    {
        // The SDK refuses a token credential over http when the client is made: the provider says so as configuration, before any call.
        var e = Assert.Throws<StorageException>(() => new AzureBlobStorageProvider(new AzureBlobProviderOptions
        {
            Account = "devstoreaccount1", Container = "box", Endpoint = new Uri("http://127.0.0.1:1/devstoreaccount1"),
            Credential = AzureStorageCredential.Token(new FixedToken()),
        }));
        var factory = new AzureBlobProviderFactory(environment: _ => null);
        var viaFactory = Assert.Throws<StorageException>(() => factory.Create(Core.Addressing.StorageUri.Parse("az://devstoreaccount1/box/a.txt"),
            new Dictionary<string, string> { ["endpoint"] = "http://127.0.0.1:1/devstoreaccount1", ["auth"] = "entra" }));

        foreach (var error in new[] { e, viaFactory })
        {
            Assert.Equal(StorageErrorKind.Configuration, error.Kind);
            Assert.False(error.IsTransient);
            Assert.Contains("https", error.Message);
        }
    }

    [Fact]
    public async Task Errors_an_unknown_exception_of_a_provider_leaves_the_retry_layer_as_an_Unknown_StorageException_tried_once()
    {
        var flaky = new FlakyProvider();
        flaky.Fail("Stat", new InvalidOperationException("something odd"));
        var provider = new ResilientStorageProvider(flaky, new StorageResilienceOptions { BaseDelay = TimeSpan.FromMilliseconds(1) });
        var e = await Assert.ThrowsAsync<StorageException>(() => provider.StatAsync("a.txt"));
        Assert.Equal(StorageErrorKind.Unknown, e.Kind);
        Assert.Contains("something odd", e.Message);
        Assert.Equal(1, flaky.Calls("Stat"));
    }

    [Fact]
    public async Task Errors_a_read_that_breaks_mid_body_is_resumed_from_the_first_byte_not_handed_out()
    {
        var flaky = new FlakyProvider();
        var content = Enumerable.Range(0, 100_000).Select(i => (byte)(i * 7)).ToArray();
        await flaky.Store.WriteAsync("big.bin", new MemoryStream(content), new WriteOptions { Length = content.Length });
        var breaking = new BreakingProvider(flaky.Store, breakAfter: 30_000, times: 2);
        var provider = new ResilientStorageProvider(breaking, new StorageResilienceOptions { BaseDelay = TimeSpan.FromMilliseconds(1) });
        await using var read = await provider.OpenReadAsync("big.bin");
        var copy = new MemoryStream();
        await read.CopyToAsync(copy);
        Assert.Equal(content, copy.ToArray());
        Assert.Equal([null, new ByteRange(30_000), new ByteRange(60_000)], breaking.Ranges);
    }

    /// <summary>A provider whose read bodies break (a transient StorageException) after some bytes, a number of times.</summary>
    private sealed class BreakingProvider(IStorageProvider inner, int breakAfter, int times) : ProviderDecorator(inner)
    {
        private int _left = times;
        public List<ByteRange?> Ranges { get; } = [];
        public override string Name => Inner.Name;
        public override string AddressRoot => Inner.AddressRoot;
        public override string ToInnerKey(string key) => key;
        public override string FromInnerKey(string innerKey) => innerKey;

        public override async Task<Stream> OpenReadAsync(string key, ByteRange? range = null, CancellationToken cancellationToken = default)
        {
            Ranges.Add(range);
            var body = await Inner.OpenReadAsync(key, range, cancellationToken);
            return _left-- > 0 ? new Breaking(body, breakAfter) : body;
        }

        private sealed class Breaking(Stream inner, int after) : Stream
        {
            private int _read;
            public override bool CanRead => true;
            public override bool CanSeek => false;
            public override bool CanWrite => false;
            public override long Length => inner.Length;
            public override long Position { get => _read; set => throw new NotSupportedException(); }
            public override void Flush() { }
            public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
            public override void SetLength(long value) => throw new NotSupportedException();
            public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

            public override int Read(byte[] buffer, int offset, int count)
            {
                if (_read >= after) throw new StorageException(StorageErrorKind.Transient, "connection dropped", isTransient: true);
                var n = inner.Read(buffer, offset, Math.Min(count, after - _read));
                _read += n;
                return n;
            }
        }
    }
}
