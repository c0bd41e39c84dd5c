using System.Management.Automation;
using CloudStorage.Core.Model;
using CloudStorage.PowerShell.Cmdlets;
using CloudStorage.PowerShell.Tests.Support;

namespace CloudStorage.PowerShell.Tests.Cmdlets;

public sealed class TestStorageIntegrityTests : IDisposable
{
    private readonly TestStores _s = new();
    public void Dispose() => _s.Dispose();

    private RecordingContext Run(TestStorageIntegrityCommand cmd) => cmd.Invoke(_s.Context());

    [Fact]
    public async Task Equal_objects_match_by_a_native_hash()
    {
        await _s.PutAsync("mem://a/x.txt", "same");
        await _s.PutAsync("mem://b/x.txt", "same");
        var ctx = Run(new TestStorageIntegrityCommand { Uri = ["mem://a/x.txt"], Reference = "mem://b/x.txt" });
        var result = Assert.IsType<IntegrityResult>(Assert.Single(ctx.Output));
        Assert.Equal((IntegrityStatus.Match, IntegrityMethod.NativeHash), (result.Status, result.Method));
        Assert.Equal("mem://a/x.txt", result.Uri);
        Assert.Empty(ctx.Verbose);
    }

    [Fact]
    public async Task Different_content_of_the_same_size_is_a_mismatch()
    {
        await _s.PutAsync("mem://a/x.txt", "aaaa");
        await _s.PutAsync("mem://b/x.txt", "bbbb");
        var ctx = Run(new TestStorageIntegrityCommand { Uri = ["mem://a/x.txt"], Reference = "mem://b/x.txt" });
        Assert.Equal(IntegrityStatus.Mismatch, ctx.OutputOf<IntegrityResult>().Single().Status);
        Assert.Single(ctx.Verbose);
    }

    [Fact]
    public async Task An_object_checked_against_a_folder_is_compared_with_the_same_name_in_it()
    {
        await _s.PutAsync("mem://a/deep/x.txt", "same");
        await _s.PutAsync("mem://b/ref/x.txt", "same");
        var ctx = Run(new TestStorageIntegrityCommand { Uri = ["mem://a/deep/x.txt"], Reference = "mem://b/ref/" });
        var result = ctx.OutputOf<IntegrityResult>().Single();
        Assert.Equal(IntegrityStatus.Match, result.Status);
        Assert.Equal("mem://b/ref/x.txt", result.ReferenceUri);
    }

    [Fact]
    public async Task Trees_report_matches_missing_and_extra_objects()
    {
        await _s.PutAsync("mem://a/t/same", "s");
        await _s.PutAsync("mem://a/t/sub/extra", "e");
        await _s.PutAsync("mem://b/t/same", "s");
        await _s.PutAsync("mem://b/t/missing", "m");
        var ctx = Run(new TestStorageIntegrityCommand { Uri = ["mem://a/t/"], Reference = "mem://b/t/" }.With("Recurse"));
        var byKey = ctx.OutputOf<IntegrityResult>().ToDictionary(r => r.Key, r => r.Status);
        Assert.Equal(IntegrityStatus.Match, byKey["same"]);
        Assert.Equal(IntegrityStatus.Missing, byKey["missing"]);
        Assert.Equal(IntegrityStatus.Extra, byKey["sub/extra"]);
    }

    [Fact]
    public async Task Without_a_reference_Download_verifies_the_content_against_its_own_hash()
    {
        await _s.PutAsync("mem://a/x.txt", "content");
        var quick = Run(new TestStorageIntegrityCommand { Uri = ["mem://a/x.txt"] });
        Assert.Equal(IntegrityStatus.Unverifiable, quick.OutputOf<IntegrityResult>().Single().Status);
        var full = Run(new TestStorageIntegrityCommand { Uri = ["mem://a/x.txt"] }.With("Download"));
        Assert.Equal((IntegrityStatus.Match, IntegrityMethod.Download), (full.OutputOf<IntegrityResult>().Single().Status, full.OutputOf<IntegrityResult>().Single().Method));
    }

    [Fact]
    public async Task A_missing_object_is_an_error_and_the_next_one_is_checked()
    {
        await _s.PutAsync("mem://a/y", "y");
        var ctx = Run(new TestStorageIntegrityCommand { Uri = ["mem://a/none", "mem://a/y"] }.With("Download"));
        var error = Assert.Single(ctx.Errors);
        Assert.Equal((ErrorCategory.ObjectNotFound, "mem://a/none"), (error.Category, error.TargetObject));
        Assert.Equal("mem://a/y", ctx.OutputOf<IntegrityResult>().Single().Uri);
    }

    [Fact]
    public async Task A_cloud_object_is_checked_against_memory_by_streaming_when_asked()
    {
        await _s.PutAsync("s3://bucket/x", "same");
        await _s.PutAsync("mem://b/x", "same");
        var ctx = Run(new TestStorageIntegrityCommand { Uri = ["s3://bucket/x"], Reference = "mem://b/x" }.With("Download"));
        Assert.Equal(IntegrityStatus.Match, ctx.OutputOf<IntegrityResult>().Single().Status);
    }

    [Fact]
    public async Task A_local_file_is_checked_against_its_uploaded_copy()
    {
        var path = _s.WriteFile("a.txt", "local content");
        await _s.PutAsync("mem://b/a.txt", "local content");
        var ctx = Run(new TestStorageIntegrityCommand { Uri = [path], Reference = "mem://b/" }.With("Download"));
        Assert.Equal(IntegrityStatus.Match, ctx.OutputOf<IntegrityResult>().Single().Status);
    }
}
