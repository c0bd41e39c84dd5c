using System.Management.Automation;
using CloudStorage.Core.Addressing;
using CloudStorage.Core.Model;
using CloudStorage.PowerShell.Completion;
using CloudStorage.PowerShell.Infrastructure;
using CloudStorage.Core.Transfer;

namespace CloudStorage.PowerShell.Cmdlets;

/// <summary>
/// <para type="synopsis">Deletes stored objects.</para>
/// <para type="description">A missing object is reported as an ObjectNotFound error (the next input is still
/// processed). A prefix needs -Recurse, which deletes every object under it. -PassThru writes each removed item.</para>
/// </summary>
[Cmdlet(VerbsCommon.Remove, "StorageObject", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(StorageItem))]
public sealed class RemoveStorageObjectCommand : StorageCmdletBase
{
    /// <summary>The objects (or, with -Recurse, prefixes) to delete.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("Path", "LiteralPath")]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(AddressArgumentCompleter))]
    public string[] Uri { get; set; } = [];

    /// <summary>Delete everything under a prefix.</summary>
    [Parameter]
    public SwitchParameter Recurse { get; set; }

    /// <summary>Write each removed item.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    private readonly TransferEngine _engine = new();

    /// <inheritdoc />
    protected override void ProcessRecordCore()
    {
        var addresses = SessionAddresses(Uri);
        RunAsync(async (context, ct) =>
    {
        for (var i = 0; i < addresses.Length; i++)
        {
            ct.ThrowIfCancellationRequested();
            var address = Uri[i];
            try
            {
                var location = ResolveExisting(context, addresses[i]);
                // Deletes follow the listing, in batches where the provider deletes many keys per request (S3), else
                // a few at a time; listings page by key marker (never by offset), so removing keys already listed
                // cannot make the listing skip any, and memory stays flat.
                using var deletes = new DeleteBatcher<StorageItem>(location.Provider, _engine.Options.Parallelism, (_, item, error) =>
                {
                    if (error is not null)
                    {
                        WriteFailure(context, error, item.Uri);
                        return;
                    }
                    context.WriteVerbose($"Removed {item.Uri}");
                    if (PassThru.IsPresent) context.WriteObject(item);
                }, ct);
                Exception? listingFailure = null;
                try
                {
                    await foreach (var (item, _) in ItemLister.ExpandAsync(location, Recurse.IsPresent, ct).ConfigureAwait(false))
                    {
                        ct.ThrowIfCancellationRequested();
                        if (!context.ShouldProcess(item.Uri, "Remove storage object")) continue;
                        await deletes.AddAsync(item.Key, item).ConfigureAwait(false);
                    }
                }
                catch (Exception ex) when (ErrorRecords.IsItemFailure(ex))
                {
                    listingFailure = ex; // what was confirmed before the listing failed is still deleted and reported
                }
                await deletes.CompleteAsync().ConfigureAwait(false);
                if (listingFailure is not null) WriteFailure(context, listingFailure, address);
            }
            catch (Exception ex) when (ErrorRecords.IsItemFailure(ex))
            {
                WriteFailure(context, ex, address);
            }
        }
    });
    }
}
