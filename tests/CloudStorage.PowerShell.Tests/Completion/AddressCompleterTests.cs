using CloudStorage.Core.Addressing;
using CloudStorage.Core.Model;
using CloudStorage.PowerShell.Completion;
using CloudStorage.Core.Providers;
using CloudStorage.PowerShell.Tests.Support;

namespace CloudStorage.PowerShell.Tests.Completion;

public sealed class AddressCompleterTests : IDisposable
{
    private readonly TestStores _stores = new();

    public void Dispose() => _stores.Dispose();

    private AddressCompleter Completer(int max = 100, TimeSpan? timeout = null) =>
        new(_stores.Registry, () => _stores.Temp) { MaxResults = max, Timeout = timeout ?? TimeSpan.FromSeconds(2) };

    private static List<string> Texts(IEnumerable<AddressCompletion> completions) => completions.Select(c => c.CompletionText).ToList();

    [Fact]
    public void A_bare_word_completes_loaded_schemes_and_provider_names()
    {
        _stores.Registry.Register("backup", "mem://backup-store");
        _stores.Registry.Register("media", "mem://media-store");

        var all = Completer().Complete("");
        Assert.Contains(all, c => c.CompletionText == "mem://" && c.Kind == AddressCompletionKind.Scheme);
        Assert.Contains(all, c => c.CompletionText == "s3://" && c.Kind == AddressCompletionKind.Scheme); // the test registry has an s3 factory
        Assert.Contains(all, c => c.CompletionText == "backup:" && c.Kind == AddressCompletionKind.Provider);
        Assert.DoesNotContain(all, c => c.CompletionText == "gs://"); // not loaded: completing it would only lead to an error

        var m = Texts(Completer().Complete("m"));
        Assert.Contains("mem://", m);
        Assert.Contains("media:", m);
        Assert.DoesNotContain("backup:", m);
        Assert.Contains("backup:", Texts(Completer().Complete("BA")));
    }

    [Fact]
    public async Task A_memory_container_lists_one_level_of_keys_and_prefixes()
    {
        await _stores.PutAsync("mem://docs/readme.md", "r");
        await _stores.PutAsync("mem://docs/reports/q1.pdf", "1");
        await _stores.PutAsync("mem://docs/reports/q2.pdf", "2");
        await _stores.PutAsync("mem://docs/zeta.txt", "z");

        var top = Completer().Complete("mem://docs/");
        Assert.Equal(["mem://docs/readme.md", "mem://docs/reports/", "mem://docs/zeta.txt"], Texts(top));
        Assert.Equal(AddressCompletionKind.Prefix, top.Single(c => c.ListItemText == "reports/").Kind);
        Assert.Equal(AddressCompletionKind.Object, top.Single(c => c.ListItemText == "readme.md").Kind);

        Assert.Equal(["mem://docs/readme.md", "mem://docs/reports/"], Texts(Completer().Complete("mem://docs/re")));
        Assert.Equal(["mem://docs/reports/q1.pdf", "mem://docs/reports/q2.pdf"], Texts(Completer().Complete("mem://docs/reports/")));
        Assert.Equal(["mem://docs/reports/q2.pdf"], Texts(Completer().Complete("mem://docs/reports/q2")));
    }

    [Fact]
    public async Task A_container_without_its_slash_gives_only_memory_store_names_and_an_unknown_scheme_nothing()
    {
        await _stores.PutAsync("mem://docs/a.txt", "a");
        Assert.Equal(["mem://docs/"], Texts(Completer().Complete("mem://docs"))); // the store itself, no keys
        Assert.Equal(["mem://docs/"], Texts(Completer().Complete("mem://do")));
        Assert.Empty(Completer().Complete("s3://bucket"));
        Assert.Empty(Completer().Complete("ftp://host/"));
        Assert.Empty(Completer().Complete("gs://bucket/")); // no gs provider loaded: the error is swallowed
    }

    [Fact]
    public async Task A_named_provider_lists_its_keys_under_its_name()
    {
        await _stores.PutAsync("mem://backing/2024/jan.csv", "j");
        await _stores.PutAsync("mem://backing/2024/feb.csv", "f");
        await _stores.PutAsync("mem://backing/index.html", "i");
        _stores.Registry.Register("backup", "mem://backing");

        Assert.Equal(["backup:2024/", "backup:index.html"], Texts(Completer().Complete("backup:")));
        Assert.Equal(["backup:2024/feb.csv", "backup:2024/jan.csv"], Texts(Completer().Complete("backup:2024/")));
        Assert.Equal(["backup:2024/jan.csv"], Texts(Completer().Complete("backup:2024/j")));
        Assert.Empty(Completer().Complete("nosuch:"));
    }

    [Fact]
    public async Task A_cloud_bucket_completes_through_its_provider()
    {
        await _stores.PutAsync("s3://bucket/logs/app.log", "x");
        Assert.Equal(["s3://bucket/logs/"], Texts(Completer().Complete("s3://bucket/")));
        Assert.Equal(["s3://bucket/logs/app.log"], Texts(Completer().Complete("s3://bucket/logs/")));
    }

    [Fact]
    public void Local_paths_complete_absolute_and_relative_to_the_current_directory()
    {
        _stores.WriteFile("data/one.txt", "1");
        _stores.WriteFile("data/sub/two.txt", "2");
        _stores.WriteFile("other.txt", "o");

        var absolute = _stores.Temp + "/data/";
        Assert.Equal([absolute + "one.txt", absolute + "sub/"], Texts(Completer().Complete(absolute)));
        Assert.Equal(["data/one.txt"], Texts(Completer().Complete("data/o")));
        // A bare word offers schemes and provider names, and the current directory's entries.
        var bare = Texts(Completer().Complete("o"));
        Assert.Contains("other.txt", bare);
        Assert.DoesNotContain("mem://", bare);
    }

    [Fact]
    public async Task Completions_are_quoted_when_PowerShell_needs_it_and_keep_the_users_quote()
    {
        await _stores.PutAsync("mem://docs/annual report.pdf", "a");
        await _stores.PutAsync("mem://docs/it's.txt", "b");

        Assert.Equal(["'mem://docs/annual report.pdf'", "'mem://docs/it''s.txt'"], Texts(Completer().Complete("mem://docs/")));
        Assert.Equal(["\"mem://docs/annual report.pdf\""], Texts(Completer().Complete("\"mem://docs/an")));
        Assert.Equal(["'mem://docs/it''s.txt'"], Texts(Completer().Complete("'mem://docs/it''")));
        Assert.Equal(["'mem://docs/annual report.pdf'"], Texts(Completer().Complete("'mem://docs/annual re'")));
    }

    [Fact]
    public async Task Results_are_bounded_by_MaxResults()
    {
        for (var i = 0; i < 30; i++) await _stores.PutAsync($"mem://many/k{i:00}", "x");
        Assert.Equal(10, Completer(max: 10).Complete("mem://many/").Count);
        Assert.Equal(30, Completer().Complete("mem://many/k").Count);
    }

    [Fact]
    public void A_slow_listing_stops_at_the_timeout_and_keeps_what_arrived()
    {
        var slow = new SlowProvider(delayAfterFirst: TimeSpan.FromSeconds(30));
        _stores.Registry.RegisterFactory(new SlowFactory(slow));
        var watch = System.Diagnostics.Stopwatch.StartNew();

        var result = Completer(timeout: TimeSpan.FromMilliseconds(200)).Complete("gs://slow/");

        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(10), $"took {watch.Elapsed}");
        Assert.Equal(["gs://slow/first"], Texts(result));
    }

    [Fact]
    public void A_failing_listing_gives_no_completions()
    {
        _stores.Registry.RegisterFactory(new SlowFactory(new SlowProvider(TimeSpan.Zero, fail: true)));
        Assert.Empty(Completer().Complete("gs://slow/"));
    }

    [Fact]
    public void Provider_names_complete_for_the_Name_parameter()
    {
        _stores.Registry.Register("backup", "mem://b");
        _stores.Registry.Register("builds", "mem://c");
        _stores.Registry.Register("media", "mem://m");

        Assert.Equal(["backup", "builds"], Texts(Completer().CompleteProviderNames("b")));
        Assert.Equal(["backup", "builds", "media"], Texts(Completer().CompleteProviderNames("")));
        Assert.Equal(["'media'"], Texts(Completer().CompleteProviderNames("'me")));
    }

    private sealed class SlowFactory(IStorageProvider provider) : IProviderFactory
    {
        public string Scheme => "gs";
        public IStorageProvider Create(StorageUri uri, IReadOnlyDictionary<string, string> options) => provider;
    }

    private sealed class SlowProvider(TimeSpan delayAfterFirst, bool fail = false) : IStorageProvider
    {
        public string Name => "gs://slow";
        public string AddressRoot => "gs://slow/";
        public ProviderCapabilities Capabilities => new();

        public async IAsyncEnumerable<StorageItem> ListAsync(ListRequest request, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
        {
            if (fail) throw new Core.Errors.StorageException(Core.Errors.StorageErrorKind.PermissionDenied, "no credentials", "gs://slow/");
            yield return new StorageItem { ProviderName = Name, Key = "first", Uri = AddressRoot + "first" };
            await Task.Delay(delayAfterFirst, cancellationToken);
            yield return new StorageItem { ProviderName = Name, Key = "second", Uri = AddressRoot + "second" };
        }

        public Task<StorageItem?> StatAsync(string key, CancellationToken cancellationToken = default) => throw new NotSupportedException();
        public Task<Stream> OpenReadAsync(string key, ByteRange? range = null, CancellationToken cancellationToken = default) => throw new NotSupportedException();
        public Task<StorageItem> WriteAsync(string key, Stream content, WriteOptions options, CancellationToken cancellationToken = default) => throw new NotSupportedException();
        public Task DeleteAsync(string key, CancellationToken cancellationToken = default) => throw new NotSupportedException();
    }
}
