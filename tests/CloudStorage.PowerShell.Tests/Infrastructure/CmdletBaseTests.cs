using CloudStorage.PowerShell.Cmdlets;
using CloudStorage.PowerShell.Infrastructure;
using CloudStorage.Core.Transfer;

namespace CloudStorage.PowerShell.Tests.Infrastructure;

public class CmdletBaseTests
{
    [Theory]
    [InlineData(typeof(GetStorageItemCommand), "Get-StorageItem")]
    [InlineData(typeof(UnregisterStorageRemoteCommand), "Unregister-StorageRemote")]
    [InlineData(typeof(NewStoragePresignedUrlCommand), "New-StoragePresignedUrl")]
    public void The_progress_activity_is_the_cmdlet_name(Type type, string expected) =>
        Assert.Equal(expected, StorageCmdletBase.CmdletNameOf(type));

    [Fact]
    public void Activity_ids_are_stable_and_differ_between_cmdlets()
    {
        var a = new SendStorageObjectCommand().ActivityId;
        Assert.Equal(a, new SendStorageObjectCommand().ActivityId);
        Assert.NotEqual(a, new CopyStorageObjectCommand().ActivityId);
        Assert.True(a > 0);
    }

    [Fact]
    public void Without_a_PowerShell_session_the_real_context_falls_back_to_the_process_directory()
    {
        ICmdletContext real = new GetStorageItemCommand();
        Assert.Equal(Directory.GetCurrentDirectory(), real.CurrentDirectory);
        Assert.False(real.WhatIfRequested);
        Assert.False(real.CancellationToken.IsCancellationRequested);
    }

    [Fact]
    public void Stop_cancels_the_real_context_token()
    {
        var cmd = new GetStorageItemCommand();
        cmd.Stop();
        Assert.True(((ICmdletContext)cmd).CancellationToken.IsCancellationRequested);
    }

    [Theory]
    [InlineData("report.PDF", "application/pdf")]
    [InlineData("dir.v2/data.json", "application/json")]
    [InlineData("photos/a.jpeg", "image/jpeg")]
    [InlineData("notes.txt", "text/plain")]
    [InlineData("archive.tar.gz", "application/gzip")]
    [InlineData("noextension", ContentTypes.Default)]
    [InlineData("dir.d/noextension", ContentTypes.Default)]
    [InlineData("file.unknownext", ContentTypes.Default)]
    [InlineData(@"C:\data\sheet.xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")]
    public void Content_types_come_from_the_extension(string name, string expected) =>
        Assert.Equal(expected, ContentTypes.FromName(name));
}
