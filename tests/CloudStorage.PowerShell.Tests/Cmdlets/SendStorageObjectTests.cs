using System.Collections;
using System.Management.Automation;
using CloudStorage.Core.Model;
using CloudStorage.PowerShell.Cmdlets;
using CloudStorage.PowerShell.Infrastructure;
using CloudStorage.PowerShell.Tests.Support;

namespace CloudStorage.PowerShell.Tests.Cmdlets;

public sealed class SendStorageObjectTests : IDisposable
{
    private readonly TestStores _s = new();
    public void Dispose() => _s.Dispose();

    private RecordingContext Run(SendStorageObjectCommand cmd, RecordingContext? ctx = null) => cmd.Invoke(ctx ?? _s.Context());

    [Fact]
    public async Task A_file_goes_to_the_exact_key_with_the_type_of_its_extension()
    {
        var file = _s.WriteFile("data.json", "{\"a\":1}");
        var ctx = Run(new SendStorageObjectCommand { Path = [file], Destination = "mem://t/in/renamed.bin" });
        var item = Assert.IsType<StorageItem>(Assert.Single(ctx.Output));
        Assert.Equal("mem://t/in/renamed.bin", item.Uri);
        Assert.Equal("application/json", item.ContentType);
        Assert.Equal("{\"a\":1}", await _s.TextAsync("mem://t/in/renamed.bin"));
        Assert.Empty(ctx.Errors);
    }

    [Fact]
    public async Task A_destination_ending_in_a_slash_takes_the_file_name()
    {
        var file = _s.WriteFile("report.pdf", "%PDF");
        var ctx = Run(new SendStorageObjectCommand { Path = [file], Destination = "mem://t/reports/" });
        Assert.Equal("mem://t/reports/report.pdf", Assert.IsType<StorageItem>(Assert.Single(ctx.Output)).Uri);
        Assert.Equal("%PDF", await _s.TextAsync("mem://t/reports/report.pdf"));
    }

    [Fact]
    public async Task An_existing_prefix_is_a_folder_even_without_a_slash()
    {
        await _s.PutAsync("mem://t/reports/old.pdf", "old");
        var file = _s.WriteFile("new.pdf", "new");
        Run(new SendStorageObjectCommand { Path = [file], Destination = "mem://t/reports" });
        Assert.Equal("new", await _s.TextAsync("mem://t/reports/new.pdf"));
        Assert.Null(await _s.StatAsync("mem://t/reports"));
    }

    [Fact]
    public async Task An_existing_object_is_not_replaced_without_Force()
    {
        await _s.PutAsync("mem://t/a.txt", "original");
        var file = _s.WriteFile("a.txt", "replacement");
        var ctx = Run(new SendStorageObjectCommand { Path = [file], Destination = "mem://t/a.txt" });
        var error = Assert.Single(ctx.Errors);
        Assert.Equal("StorageAlreadyExists", error.ErrorId);
        Assert.Equal(ErrorCategory.ResourceExists, error.Category);
        Assert.Equal("mem://t/a.txt", error.TargetObject);
        Assert.Empty(ctx.Output);
        Assert.Equal("original", await _s.TextAsync("mem://t/a.txt"));
    }

    [Fact]
    public async Task Force_replaces_an_existing_object()
    {
        await _s.PutAsync("mem://t/a.txt", "original");
        var file = _s.WriteFile("a.txt", "replacement");
        var ctx = Run(new SendStorageObjectCommand { Path = [file], Destination = "mem://t/a.txt" }.With("Force"));
        Assert.Empty(ctx.Errors);
        Assert.Equal("replacement", await _s.TextAsync("mem://t/a.txt"));
    }

    [Fact]
    public async Task A_wildcard_uploads_every_match_under_the_destination()
    {
        _s.WriteFile("one.txt", "1");
        _s.WriteFile("two.txt", "2");
        _s.WriteFile("skip.log", "x");
        var ctx = Run(new SendStorageObjectCommand { Path = ["*.txt"], Destination = "mem://t/up" });
        Assert.Equal(["mem://t/up/one.txt", "mem://t/up/two.txt"], ctx.OutputOf<StorageItem>().Select(i => i.Uri));
        Assert.Equal(["up/one.txt", "up/two.txt"], await _s.KeysAsync("mem://t/"));
    }

    [Fact]
    public async Task Wildcards_expand_in_folder_segments_too()
    {
        _s.WriteFile("2023/jan.csv", "1");
        _s.WriteFile("2024/feb.csv", "2");
        _s.WriteFile("2024/notes.txt", "n");
        var ctx = Run(new SendStorageObjectCommand { Path = [Path.Combine(_s.Temp, "20*", "*.csv")], Destination = "mem://t/csv/" });
        Assert.Equal(["csv/feb.csv", "csv/jan.csv"], await _s.KeysAsync("mem://t/"));
        Assert.Equal("text/csv", ctx.OutputOf<StorageItem>().First().ContentType);
    }

    [Fact]
    public async Task A_missing_path_is_an_error_and_the_next_path_is_still_sent()
    {
        var good = _s.WriteFile("good.txt", "g");
        var ctx = Run(new SendStorageObjectCommand { Path = ["missing.txt", "nomatch*.txt", good], Destination = "mem://t/d/" });
        Assert.Equal(2, ctx.Errors.Count);
        Assert.All(ctx.Errors, e => Assert.Equal(ErrorCategory.ObjectNotFound, e.Category));
        Assert.Equal(Path.Combine(_s.Temp, "missing.txt"), ctx.Errors[0].TargetObject);
        Assert.Equal(["d/good.txt"], await _s.KeysAsync("mem://t/"));
    }

    [Fact]
    public async Task A_folder_needs_Recurse()
    {
        _s.WriteFile("photos/a.jpg", "a");
        var ctx = Run(new SendStorageObjectCommand { Path = [Path.Combine(_s.Temp, "photos")], Destination = "mem://t/" });
        var error = Assert.Single(ctx.Errors);
        Assert.Equal(ErrorCategory.InvalidArgument, error.Category);
        Assert.Empty(await _s.KeysAsync("mem://t/"));
    }

    [Fact]
    public async Task Recurse_puts_a_folder_under_an_existing_folder_with_its_name()
    {
        _s.WriteFile("photos/a.jpg", "a");
        _s.WriteFile("photos/trip/b.png", "b");
        _s.WriteFile("photos/.hidden", "h");
        var ctx = Run(new SendStorageObjectCommand { Path = ["photos"], Destination = "mem://t/backup/" }.With("Recurse"));
        Assert.Equal(["backup/photos/.hidden", "backup/photos/a.jpg", "backup/photos/trip/b.png"], await _s.KeysAsync("mem://t/"));
        Assert.Equal("image/png", ctx.OutputOf<StorageItem>().Single(i => i.Name == "b.png").ContentType);
    }

    [Fact]
    public async Task Recurse_to_a_new_prefix_makes_it_the_folder()
    {
        _s.WriteFile("photos/a.jpg", "a");
        _s.WriteFile("photos/trip/b.png", "b");
        Run(new SendStorageObjectCommand { Path = ["photos"], Destination = "mem://t/pics" }.With("Recurse"));
        Assert.Equal(["pics/a.jpg", "pics/trip/b.png"], await _s.KeysAsync("mem://t/"));
    }

    [Fact]
    public async Task ContentType_and_Metadata_are_stored()
    {
        var file = _s.WriteFile("a.txt", "x");
        Run(new SendStorageObjectCommand
        {
            Path = [file], Destination = "mem://t/a.txt", ContentType = "text/x-custom",
            Metadata = new Hashtable { ["Owner"] = "ops", ["Build"] = 42 },
        });
        var item = (await _s.StatAsync("mem://t/a.txt"))!;
        Assert.Equal("text/x-custom", item.ContentType);
        Assert.Equal("ops", item.Metadata["owner"]);
        Assert.Equal("42", item.Metadata["Build"]);
    }

    [Fact]
    public void Tags_are_stored_with_each_object()
    {
        var file = _s.WriteFile("a.txt", "x");
        var ctx = Run(new SendStorageObjectCommand { Path = [file], Destination = "mem://t/a.txt", Tag = new Hashtable { ["team"] = "ops", ["tier"] = 2 } });
        Assert.Empty(ctx.Errors);
        var location = _s.Registry.Resolve("mem://t/a.txt");
        var store = Assert.IsType<CloudStorage.Core.Providers.Memory.MemoryStorageProvider>(location.Provider);
        Assert.Equal(new Dictionary<string, string> { ["team"] = "ops", ["tier"] = "2" }, store.GetTags("a.txt"));
    }

    [Fact]
    public async Task A_StorageClass_for_a_provider_without_storage_classes_is_an_Unsupported_error_and_nothing_is_stored()
    {
        var file = _s.WriteFile("a.txt", "x");
        var ctx = Run(new SendStorageObjectCommand { Path = [file], Destination = "mem://t/a.txt", StorageClass = "STANDARD_IA" });
        var error = Assert.Single(ctx.Errors);
        Assert.Equal("StorageUnsupported", error.ErrorId);
        Assert.Contains("storage classes", error.Exception.Message);
        Assert.Null(await _s.StatAsync("mem://t/a.txt"));
    }

    [Fact]
    public async Task A_string_value_is_stored_as_UTF8_without_BOM()
    {
        var ctx = Run(new SendStorageObjectCommand { Value = "héllo", Destination = "mem://t/greeting" });
        var item = Assert.IsType<StorageItem>(Assert.Single(ctx.Output));
        Assert.Equal(6, item.Size);
        Assert.Equal("text/plain; charset=utf-8", item.ContentType);
        Assert.Equal("héllo", await _s.TextAsync("mem://t/greeting"));
    }

    [Fact]
    public async Task A_byte_array_value_is_stored_as_is_with_the_type_of_its_key()
    {
        var ctx = Run(new SendStorageObjectCommand { Value = new byte[] { 0x89, 0x50, 0x4e, 0x47 }, Destination = "mem://t/i.png" });
        var item = Assert.IsType<StorageItem>(Assert.Single(ctx.Output));
        Assert.Equal(4, item.Size);
        Assert.Equal("image/png", item.ContentType);
        Assert.NotNull(await _s.StatAsync("mem://t/i.png"));
    }

    [Fact]
    public void A_value_needs_an_object_key_and_a_string_or_bytes()
    {
        var prefix = Assert.Throws<TerminatingErrorException>(() => Run(new SendStorageObjectCommand { Value = "x", Destination = "mem://t/dir/" }));
        Assert.Equal(ErrorCategory.InvalidArgument, prefix.Record.Category);
        var type = Assert.Throws<TerminatingErrorException>(() => Run(new SendStorageObjectCommand { Value = 42, Destination = "mem://t/n" }));
        Assert.Equal(ErrorCategory.InvalidArgument, type.Record.Category);
    }

    [Fact]
    public async Task A_declined_ShouldProcess_uploads_nothing()
    {
        var file = _s.WriteFile("a.txt", "x");
        var ctx = _s.Context();
        ctx.ShouldProcessAnswer = false;
        Run(new SendStorageObjectCommand { Path = [file], Destination = "mem://t/a.txt" }, ctx);
        Assert.Equal(("mem://t/a.txt", $"Upload file '{file}'"), Assert.Single(ctx.Questions));
        Assert.Empty(ctx.Output);
        Assert.Empty(await _s.KeysAsync("mem://t/"));
    }

    [Fact]
    public async Task WhatIf_uploads_nothing_even_for_a_value()
    {
        var ctx = _s.Context();
        ctx.WhatIfRequested = true;
        Run(new SendStorageObjectCommand { Value = "x", Destination = "mem://t/v" }, ctx);
        Assert.Single(ctx.Questions);
        Assert.Empty(await _s.KeysAsync("mem://t/"));
    }

    [Fact]
    public void Progress_of_small_objects_is_one_overall_activity_that_ends_with_a_Completed_record()
    {
        var a = _s.WriteFile("a.txt", "aaaa");
        var b = _s.WriteFile("b.txt", "bbbb");
        var ctx = Run(new SendStorageObjectCommand { Path = [a, b], Destination = "mem://t/" });
        Assert.True(ctx.Progress.Count >= 3);
        Assert.Single(ctx.Progress.Select(p => p.ActivityId).Distinct()); // no child bars below LargeObjectBytes
        Assert.All(ctx.Progress, p => Assert.Equal("Send-StorageObject", p.Activity));
        Assert.True(ctx.Progress[^1].Completed);
        Assert.Single(ctx.Progress, p => p.Completed);
        // Each file is counted before it goes up, so the bar has totals (and a percentage) throughout.
        Assert.Contains(ctx.Progress, p => p.Status == "Uploading: 2 of 2 objects, 8 bytes of 8 bytes" && p.PercentComplete == 100);
    }

    [Fact]
    public async Task A_provider_qualified_PSPath_is_accepted()
    {
        var file = _s.WriteFile("q.txt", "q");
        Run(new SendStorageObjectCommand { Path = [@"Microsoft.PowerShell.Core\FileSystem::" + file], Destination = "mem://t/q.txt" });
        Assert.Equal("q", await _s.TextAsync("mem://t/q.txt"));
    }

    [Fact]
    public void An_unresolvable_destination_stops_the_command()
    {
        var file = _s.WriteFile("a.txt", "x");
        var ex = Assert.Throws<TerminatingErrorException>(() => Run(new SendStorageObjectCommand { Path = [file], Destination = "nosuch:x" }));
        Assert.Equal("StorageNotFound", ex.Record.ErrorId);
    }

    [Fact]
    public void A_file_can_be_sent_to_a_local_folder()
    {
        var file = _s.WriteFile("a.txt", "local");
        var target = Directory.CreateDirectory(Path.Combine(_s.Temp, "target")).FullName;
        var ctx = Run(new SendStorageObjectCommand { Path = [file], Destination = target });
        Assert.Empty(ctx.Errors);
        Assert.Equal("local", File.ReadAllText(Path.Combine(target, "a.txt")));
    }

    [Fact]
    public async Task A_literal_name_with_wildcard_characters_is_sent_as_is()
    {
        var file = _s.WriteFile("a[1].txt", "bracket");
        _s.WriteFile("a1.txt", "other");
        var ctx = Run(new SendStorageObjectCommand { Path = ["a[1].txt"], Destination = "mem://t/x/" });
        Assert.Empty(ctx.Errors);
        Assert.Equal(["x/a[1].txt"], await _s.KeysAsync("mem://t/"));
        Assert.Equal("bracket", await _s.TextAsync("mem://t/x/a[1].txt"));
        Assert.True(File.Exists(file));
    }

    [Fact]
    public async Task Folders_matched_by_one_wildcard_each_keep_their_name()
    {
        _s.WriteFile("logs-a/1.log", "1");
        _s.WriteFile("logs-b/2.log", "2");
        Run(new SendStorageObjectCommand { Path = ["logs-*"], Destination = "mem://t/all" }.With("Recurse"));
        Assert.Equal(["all/logs-a/1.log", "all/logs-b/2.log"], await _s.KeysAsync("mem://t/"));
    }

    [Fact]
    public async Task A_folder_written_with_a_trailing_separator_sends_its_content()
    {
        _s.WriteFile("photos/a.jpg", "a");
        _s.WriteFile("photos/trip/b.png", "b");
        Run(new SendStorageObjectCommand { Path = ["photos/"], Destination = "mem://t/backup/" }.With("Recurse"));
        Assert.Equal(["backup/a.jpg", "backup/trip/b.png"], await _s.KeysAsync("mem://t/"));
    }

    [Fact]
    public async Task The_current_folder_keeps_its_real_name()
    {
        _s.WriteFile("a.txt", "a");
        Run(new SendStorageObjectCommand { Path = ["."], Destination = "mem://t/up/" }.With("Recurse"));
        Assert.Equal([$"up/{Path.GetFileName(_s.Temp)}/a.txt"], await _s.KeysAsync("mem://t/"));
    }
}
