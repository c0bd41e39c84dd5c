using System.Management.Automation;
using CloudStorage.Core.Errors;
using CloudStorage.PowerShell.Infrastructure;

namespace CloudStorage.PowerShell.Tests.Infrastructure;

public class ErrorRecordsTests
{
    [Theory]
    [InlineData(StorageErrorKind.NotFound, ErrorCategory.ObjectNotFound)]
    [InlineData(StorageErrorKind.AlreadyExists, ErrorCategory.ResourceExists)]
    [InlineData(StorageErrorKind.PermissionDenied, ErrorCategory.PermissionDenied)]
    [InlineData(StorageErrorKind.InvalidKey, ErrorCategory.InvalidArgument)]
    [InlineData(StorageErrorKind.InvalidArgument, ErrorCategory.InvalidArgument)]
    [InlineData(StorageErrorKind.Unsupported, ErrorCategory.NotImplemented)]
    [InlineData(StorageErrorKind.Conflict, ErrorCategory.ResourceUnavailable)]
    [InlineData(StorageErrorKind.Throttled, ErrorCategory.LimitsExceeded)]
    [InlineData(StorageErrorKind.Transient, ErrorCategory.ConnectionError)]
    [InlineData(StorageErrorKind.IntegrityFailure, ErrorCategory.InvalidResult)]
    [InlineData(StorageErrorKind.Configuration, ErrorCategory.InvalidOperation)]
    [InlineData(StorageErrorKind.LimitExceeded, ErrorCategory.LimitsExceeded)]
    [InlineData(StorageErrorKind.Unknown, ErrorCategory.NotSpecified)]
    public void Each_error_kind_has_its_category(StorageErrorKind kind, ErrorCategory expected) =>
        Assert.Equal(expected, ErrorRecords.CategoryOf(kind));

    [Fact]
    public void Only_Unknown_falls_back_to_NotSpecified()
    {
        foreach (var kind in Enum.GetValues<StorageErrorKind>().Where(k => k != StorageErrorKind.Unknown))
            Assert.NotEqual(ErrorCategory.NotSpecified, ErrorRecords.CategoryOf(kind));
    }

    [Fact]
    public void A_storage_exception_keeps_its_id_and_its_own_target()
    {
        var ex = new StorageException(StorageErrorKind.AlreadyExists, "exists", "mem://t/dest");
        var record = ErrorRecords.From(ex, "the input");
        Assert.Equal("StorageAlreadyExists", record.ErrorId);
        Assert.Equal(ErrorCategory.ResourceExists, record.Category);
        Assert.Equal("mem://t/dest", record.TargetObject);
        Assert.Same(ex, record.Exception);
    }

    [Fact]
    public void The_given_target_is_used_when_the_exception_names_none()
    {
        var record = ErrorRecords.From(new StorageException(StorageErrorKind.Transient, "reset"), "mem://t/a");
        Assert.Equal("mem://t/a", record.TargetObject);
        Assert.Equal("StorageTransient", record.ErrorId);
    }

    [Fact]
    public void File_system_errors_get_storage_ids_and_categories()
    {
        Assert.Equal(("StoragePermissionDenied", ErrorCategory.PermissionDenied),
            Pair(ErrorRecords.From(new UnauthorizedAccessException(), "/x")));
        Assert.Equal(("StorageNotFound", ErrorCategory.ObjectNotFound), Pair(ErrorRecords.From(new FileNotFoundException(), "/x")));
        Assert.Equal(("StorageNotFound", ErrorCategory.ObjectNotFound), Pair(ErrorRecords.From(new DirectoryNotFoundException(), "/x")));
        Assert.Equal(("StorageIOError", ErrorCategory.ResourceUnavailable), Pair(ErrorRecords.From(new IOException("busy"), "/x")));
        static (string, ErrorCategory) Pair(StorageErrorRecord r) => (r.ErrorId, r.Category);
    }

    [Fact]
    public void Cancellation_and_programming_errors_are_not_item_failures()
    {
        Assert.True(ErrorRecords.IsItemFailure(new StorageException(StorageErrorKind.NotFound, "x")));
        Assert.True(ErrorRecords.IsItemFailure(new IOException()));
        Assert.True(ErrorRecords.IsItemFailure(new UnauthorizedAccessException()));
        Assert.False(ErrorRecords.IsItemFailure(new OperationCanceledException()));
        Assert.False(ErrorRecords.IsItemFailure(new InvalidOperationException()));
        Assert.False(ErrorRecords.IsItemFailure(new NullReferenceException()));
    }

    [Fact]
    public void A_terminating_error_carries_its_record()
    {
        var t = ErrorRecords.Terminating(StorageErrorKind.InvalidArgument, "bad combination", "param");
        Assert.Equal("StorageInvalidArgument", t.Record.ErrorId);
        Assert.Equal(ErrorCategory.InvalidArgument, t.Record.Category);
        Assert.Equal("param", t.Record.TargetObject);
        Assert.Equal("bad combination", t.Message);
    }
}
