using System.Management.Automation;
using CloudStorage.Core.Errors;
using CloudStorage.Core.Model;
using CloudStorage.PowerShell.Completion;
using CloudStorage.PowerShell.Infrastructure;
using CloudStorage.Core.Transfer;

namespace CloudStorage.PowerShell.Cmdlets;

/// <summary>
/// <para type="synopsis">Lists stored objects and prefixes, like Get-ChildItem.</para>
/// <para type="description">An object address returns that object; a prefix or folder address returns its children
/// (one level, prefixes included) or, with -Recurse, every object below it. Items are written as pages arrive.</para>
/// </summary>
[Cmdlet(VerbsCommon.Get, "StorageItem")]
[OutputType(typeof(StorageItem))]
public sealed class GetStorageItemCommand : StorageCmdletBase
{
    /// <summary>The addresses to list.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("Path", "LiteralPath")]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(AddressArgumentCompleter))]
    public string[] Uri { get; set; } = [];

    /// <summary>Every object below a prefix instead of one level.</summary>
    [Parameter]
    public SwitchParameter Recurse { get; set; }

    /// <summary>A wildcard on the item's name.</summary>
    [Parameter]
    [SupportsWildcards]
    public string? Filter { get; set; }

    /// <summary>At most this many items per address (the listing stops fetching too).</summary>
    [Parameter]
    [ValidateRange(0, int.MaxValue)]
    public int? First { get; set; }

    /// <summary>Leaves out this many items per address first.</summary>
    [Parameter]
    [ValidateRange(0, int.MaxValue)]
    public int Skip { get; set; }

    /// <inheritdoc />
    protected override void BeginProcessingCore()
    {
        if (First is < 0) throw Terminating(StorageErrorKind.InvalidArgument, "-First must not be negative.", First);
        if (Skip < 0) throw Terminating(StorageErrorKind.InvalidArgument, "-Skip must not be negative.", Skip);
    }

    /// <inheritdoc />
    protected override void ProcessRecordCore()
    {
        var addresses = SessionAddresses(Uri);
        RunAsync(async (context, ct) =>
    {
        var query = new ItemQuery
        {
            Recurse = Recurse.IsPresent,
            Filter = string.IsNullOrEmpty(Filter) ? null : Filter,
            First = First is { } first ? (int)Math.Min((long)first + Skip, int.MaxValue) : null,
        };
        for (var i = 0; i < addresses.Length; i++)
        {
            ct.ThrowIfCancellationRequested();
            var address = Uri[i];
            try
            {
                var location = ResolveExisting(context, addresses[i]);
                var skipped = 0;
                await foreach (var item in ItemLister.GetItemsAsync(location, query, ct).ConfigureAwait(false))
                {
                    if (skipped < Skip) { skipped++; continue; }
                    context.WriteObject(item);
                }
            }
            catch (Exception ex) when (ErrorRecords.IsItemFailure(ex))
            {
                WriteFailure(context, ex, address);
            }
        }
    });
    }
}
