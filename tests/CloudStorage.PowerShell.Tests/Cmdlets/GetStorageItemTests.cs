using System.Management.Automation;
using CloudStorage.Core.Model;
using CloudStorage.PowerShell.Cmdlets;
using CloudStorage.PowerShell.Infrastructure;
using CloudStorage.PowerShell.Tests.Support;

namespace CloudStorage.PowerShell.Tests.Cmdlets;

public sealed class GetStorageItemTests : IDisposable
{
    private readonly TestStores _s = new();
    public void Dispose() => _s.Dispose();

    private async Task SeedAsync()
    {
        await _s.PutAsync("mem://t/a.txt", "a");
        await _s.PutAsync("mem://t/b.log", "bb");
        await _s.PutAsync("mem://t/docs/c.txt", "ccc");
        await _s.PutAsync("mem://t/docs/deep/d.txt", "dddd");
    }

    private RecordingContext Run(GetStorageItemCommand cmd) => cmd.Invoke(_s.Context());

    [Fact]
    public async Task An_object_address_emits_that_object()
    {
        await SeedAsync();
        var ctx = Run(new GetStorageItemCommand { Uri = ["mem://t/docs/c.txt"] });
        var item = Assert.IsType<StorageItem>(Assert.Single(ctx.Output));
        Assert.Equal("mem://t/docs/c.txt", item.Uri);
        Assert.Equal(3, item.Size);
    }

    [Fact]
    public async Task A_prefix_lists_one_level_with_its_subprefixes()
    {
        await SeedAsync();
        var ctx = Run(new GetStorageItemCommand { Uri = ["mem://t/"] });
        var items = ctx.OutputOf<StorageItem>().ToList();
        Assert.Equal(["a.txt", "b.log", "docs/"], items.Select(i => i.Key));
        Assert.True(items.Single(i => i.Key == "docs/").IsPrefix);
    }

    [Fact]
    public async Task A_folder_address_without_slash_lists_its_children()
    {
        await SeedAsync();
        var ctx = Run(new GetStorageItemCommand { Uri = ["mem://t/docs"] });
        Assert.Equal(["docs/c.txt", "docs/deep/"], ctx.OutputOf<StorageItem>().Select(i => i.Key));
    }

    [Fact]
    public async Task Recurse_lists_every_object_below()
    {
        await SeedAsync();
        var ctx = Run(new GetStorageItemCommand { Uri = ["mem://t/"] }.With("Recurse"));
        Assert.Equal(["a.txt", "b.log", "docs/c.txt", "docs/deep/d.txt"], ctx.OutputOf<StorageItem>().Select(i => i.Key));
        Assert.DoesNotContain(ctx.OutputOf<StorageItem>(), i => i.IsPrefix);
    }

    [Fact]
    public async Task Filter_is_a_wildcard_on_the_name()
    {
        await SeedAsync();
        var ctx = Run(new GetStorageItemCommand { Uri = ["mem://t/"], Filter = "*.TXT" }.With("Recurse"));
        Assert.Equal(["a.txt", "docs/c.txt", "docs/deep/d.txt"], ctx.OutputOf<StorageItem>().Select(i => i.Key));
    }

    [Fact]
    public async Task First_and_Skip_page_the_listing()
    {
        await SeedAsync();
        var first = Run(new GetStorageItemCommand { Uri = ["mem://t/"], First = 2 }.With("Recurse"));
        Assert.Equal(["a.txt", "b.log"], first.OutputOf<StorageItem>().Select(i => i.Key));
        var page2 = Run(new GetStorageItemCommand { Uri = ["mem://t/"], First = 2, Skip = 2 }.With("Recurse"));
        Assert.Equal(["docs/c.txt", "docs/deep/d.txt"], page2.OutputOf<StorageItem>().Select(i => i.Key));
        var none = Run(new GetStorageItemCommand { Uri = ["mem://t/"], First = 0 });
        Assert.Empty(none.Output);
    }

    [Fact]
    public async Task A_missing_object_is_a_non_terminating_ObjectNotFound_and_the_next_address_is_listed()
    {
        await SeedAsync();
        var ctx = Run(new GetStorageItemCommand { Uri = ["mem://t/nope.txt", "mem://t/a.txt"] });
        var error = Assert.Single(ctx.Errors);
        Assert.Equal("StorageNotFound", error.ErrorId);
        Assert.Equal(ErrorCategory.ObjectNotFound, error.Category);
        Assert.Equal("mem://t/nope.txt", error.TargetObject);
        Assert.Equal("mem://t/a.txt", Assert.IsType<StorageItem>(Assert.Single(ctx.Output)).Uri);
    }

    [Fact]
    public void An_unknown_provider_name_or_scheme_is_reported_per_address()
    {
        var ctx = Run(new GetStorageItemCommand { Uri = ["nosuch:key", "ftp://host/x", "mem://t/"] });
        Assert.Equal(2, ctx.Errors.Count);
        Assert.Equal(("StorageNotFound", ErrorCategory.ObjectNotFound), (ctx.Errors[0].ErrorId, ctx.Errors[0].Category));
        Assert.Equal("nosuch:key", ctx.Errors[0].TargetObject);
        Assert.Equal(("StorageInvalidKey", ErrorCategory.InvalidArgument), (ctx.Errors[1].ErrorId, ctx.Errors[1].Category));
    }

    [Fact]
    public async Task Named_providers_give_items_their_named_address()
    {
        await SeedAsync();
        _s.Registry.Register("backup", "mem://t/docs/");
        var ctx = Run(new GetStorageItemCommand { Uri = ["backup:"] }.With("Recurse"));
        Assert.Equal(["backup:c.txt", "backup:deep/d.txt"], ctx.OutputOf<StorageItem>().Select(i => i.Uri));
    }

    [Fact]
    public void A_negative_First_stops_the_command()
    {
        var cmd = new GetStorageItemCommand { Uri = ["mem://t/"], First = -1 };
        var ex = Assert.Throws<TerminatingErrorException>(() => cmd.Invoke(_s.Context()));
        Assert.Equal(ErrorCategory.InvalidArgument, ex.Record.Category);
    }

    [Fact]
    public async Task Output_is_written_on_the_pipeline_thread()
    {
        await SeedAsync();
        var ctx = Run(new GetStorageItemCommand { Uri = ["mem://t/"] }.With("Recurse"));
        Assert.Equal([Environment.CurrentManagedThreadId], ctx.Threads);
    }

    [Fact]
    public void A_local_folder_lists_like_Get_ChildItem()
    {
        _s.WriteFile("x.txt", "x");
        _s.WriteFile("sub/y.txt", "yy");
        var ctx = Run(new GetStorageItemCommand { Uri = [_s.Temp] });
        Assert.Equal(["sub", "x.txt"], ctx.OutputOf<StorageItem>().Select(i => i.Name).Order(StringComparer.Ordinal));
        var recursive = Run(new GetStorageItemCommand { Uri = [_s.Temp] }.With("Recurse"));
        Assert.Equal(2, recursive.OutputOf<StorageItem>().Count());
        Assert.All(recursive.OutputOf<StorageItem>(), i => Assert.StartsWith("file:///", i.Uri));
    }
}
