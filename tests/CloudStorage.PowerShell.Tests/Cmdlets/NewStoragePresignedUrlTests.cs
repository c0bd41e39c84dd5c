using System.Management.Automation;
using CloudStorage.Core.Model;
using CloudStorage.PowerShell.Cmdlets;
using CloudStorage.PowerShell.Infrastructure;
using CloudStorage.PowerShell.Tests.Support;

namespace CloudStorage.PowerShell.Tests.Cmdlets;

public sealed class NewStoragePresignedUrlTests : IDisposable
{
    private readonly TestStores _s = new();
    public void Dispose() => _s.Dispose();

    private RecordingContext Run(NewStoragePresignedUrlCommand cmd) => cmd.Invoke(_s.Context());

    [Fact]
    public void A_cloud_object_gets_a_url_with_the_method_and_expiry()
    {
        var before = DateTimeOffset.UtcNow;
        var ctx = Run(new NewStoragePresignedUrlCommand { Uri = ["s3://bucket/doc.pdf"], Method = PresignMethod.Put, ExpiresIn = TimeSpan.FromMinutes(10) });
        var url = Assert.IsType<PresignedUrl>(Assert.Single(ctx.Output));
        Assert.Equal(("s3://bucket/doc.pdf", PresignMethod.Put), (url.Uri, url.Method));
        Assert.InRange(url.ExpiresOn, before.AddMinutes(10), DateTimeOffset.UtcNow.AddMinutes(10));
        Assert.Equal("https", new Uri(url.Url).Scheme);
    }

    [Fact]
    public void Get_and_one_hour_are_the_defaults()
    {
        var cmd = new NewStoragePresignedUrlCommand();
        Assert.Equal((PresignMethod.Get, TimeSpan.FromHours(1)), (cmd.Method, cmd.ExpiresIn));
    }

    [Fact]
    public void Memory_and_local_addresses_are_NotImplemented_naming_the_provider_and_the_next_address_is_signed()
    {
        var ctx = Run(new NewStoragePresignedUrlCommand { Uri = ["mem://t/a.txt", Path.Combine(_s.Temp, "f.txt"), "s3://bucket/b"] });
        Assert.Equal(2, ctx.Errors.Count);
        Assert.All(ctx.Errors, e => Assert.Equal(("StorageUnsupported", ErrorCategory.NotImplemented), (e.ErrorId, e.Category)));
        Assert.Contains("mem://t", ctx.Errors[0].Exception.Message);
        Assert.Equal("mem://t/a.txt", ctx.Errors[0].TargetObject);
        Assert.Equal("s3://bucket/b", Assert.IsType<PresignedUrl>(Assert.Single(ctx.Output)).Uri);
    }

    [Fact]
    public void The_signature_never_reaches_verbose_or_error_text()
    {
        var ctx = Run(new NewStoragePresignedUrlCommand { Uri = ["s3://bucket/a", "s3://bucket/"] });
        Assert.NotEmpty(ctx.Verbose);
        Assert.DoesNotContain(ctx.Verbose, v => v.Contains(FakeCloudProvider.Signature));
        Assert.DoesNotContain(ctx.Errors, e => e.ToString().Contains(FakeCloudProvider.Signature));
        Assert.DoesNotContain(FakeCloudProvider.Signature, ctx.OutputOf<PresignedUrl>().Single().ToString());
    }

    [Fact]
    public void A_prefix_or_a_too_long_expiry_is_InvalidArgument()
    {
        var ctx = Run(new NewStoragePresignedUrlCommand { Uri = ["s3://bucket/dir/"] });
        Assert.Equal(ErrorCategory.InvalidArgument, Assert.Single(ctx.Errors).Category);
        var tooLong = Run(new NewStoragePresignedUrlCommand { Uri = ["s3://bucket/a"], ExpiresIn = TimeSpan.FromDays(8) });
        Assert.Equal(("StorageInvalidArgument", ErrorCategory.InvalidArgument), (tooLong.Errors.Single().ErrorId, tooLong.Errors.Single().Category));
        Assert.Empty(tooLong.Output);
    }

    [Fact]
    public void A_non_positive_expiry_stops_the_command()
    {
        var ex = Assert.Throws<TerminatingErrorException>(() => Run(new NewStoragePresignedUrlCommand { Uri = ["s3://bucket/a"], ExpiresIn = TimeSpan.Zero }));
        Assert.Equal(ErrorCategory.InvalidArgument, ex.Record.Category);
    }
}
