using System.Management.Automation;
using CloudStorage.Core.Addressing;
using CloudStorage.Core.Errors;
using CloudStorage.Core.Model;
using CloudStorage.PowerShell.Completion;
using CloudStorage.PowerShell.Infrastructure;
using CloudStorage.Core.Providers.Local;
using CloudStorage.Core.Transfer;

namespace CloudStorage.PowerShell.Cmdlets;

/// <summary>
/// <para type="synopsis">Copies stored objects, within a provider (server-side where possible) or across providers.</para>
/// <para type="description">A -Destination ending in '/' or naming an existing prefix means "under it, with the
/// object's name"; otherwise it is the exact key. With -Recurse a prefix is copied as a tree: under the destination
/// folder with the prefix's name, or as the destination itself when that is not an existing folder; a prefix written
/// with a trailing '/' ("src/") copies its content straight into the destination, as rsync does. An existing
/// object is only replaced with -Force.</para>
/// </summary>
[Cmdlet(VerbsCommon.Copy, "StorageObject", SupportsShouldProcess = true)]
[OutputType(typeof(StorageItem))]
public sealed class CopyStorageObjectCommand : StorageCmdletBase
{
    /// <summary>The objects (or, with -Recurse, prefixes) to copy.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("Path", "LiteralPath")]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(AddressArgumentCompleter))]
    public string[] Uri { get; set; } = [];

    /// <summary>The destination key, or a folder to copy under.</summary>
    [Parameter(Mandatory = true, Position = 1)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(AddressArgumentCompleter))]
    public string Destination { get; set; } = "";

    /// <summary>Copy everything under a prefix.</summary>
    [Parameter]
    public SwitchParameter Recurse { get; set; }

    /// <summary>Replace existing objects.</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    /// <summary>What to do with metadata the destination cannot hold: Fail (default), Exclude, or Rename (AzCopy's RenameIfInvalid).</summary>
    [Parameter]
    public InvalidMetadataHandling InvalidMetadata { get; set; } = InvalidMetadataHandling.Fail;

    private readonly TransferEngine _engine = new();

    /// <inheritdoc />
    protected override void ProcessRecordCore()
    {
        var addresses = SessionAddresses(Uri);
        var destinationAddress = SessionAddress(Destination);
        StorageLocation destination;
        try { destination = Resolve(Context, destinationAddress); }
        catch (StorageException ex) { throw new TerminatingErrorException(ErrorRecords.From(ex, Destination)); }

        RunAsync(async (context, ct) =>
        {
            for (var i = 0; i < addresses.Length; i++)
            {
                ct.ThrowIfCancellationRequested();
                var address = Uri[i];
                try
                {
                    var source = ResolveExisting(context, addresses[i]);
                    // Decide folder-or-key once, before the first copy makes the destination exist.
                    var intoFolder = await Destinations.IsFolderAsync(context, destinationAddress, destination, ct).ConfigureAwait(false);
                    var prefixName = Destinations.TreeName(source.Key);
                    // Into a local folder, objects are written through a provider confined to it (a key that would
                    // leave the folder is that object's InvalidKey error); other destinations are returned unchanged.
                    StorageLocation? folder = null;
                    StorageLocation Folder() => folder ??= LocalFolderProvider.Confine(destination);
                    StorageLocation? treeRootCache = null;
                    StorageLocation TreeRoot() => treeRootCache ??= intoFolder && prefixName.Length > 0
                        ? LocalFolderProvider.Confine(Folder().Child(prefixName + "/"))
                        : LocalFolderProvider.Confine(new StorageLocation(destination.Provider, destination.AsPrefix));

                    // A tree's objects are copied a few at a time, following the listing (flat memory).
                    using var copies = new BoundedWorkQueue(_engine.Options.Parallelism, ct);
                    // Totals show once the listing ends (they are counted, not buffered).
                    using var plan = Board("Copying").BeginPlan();
                    await foreach (var (item, relative) in ItemLister.ExpandAsync(source, Recurse.IsPresent, ct).ConfigureAwait(false))
                    {
                        ct.ThrowIfCancellationRequested();
                        var single = !source.IsPrefixOnly && item.Key == source.Key;
                        StorageLocation target;
                        try
                        {
                            target = single ? (intoFolder ? Folder().Child(item.Name) : destination) : TreeRoot().Child(relative);
                            if (target.Provider is LocalFolderProvider confined) confined.PathOf(target.Key);
                        }
                        catch (StorageException ex) when (!single)
                        {
                            WriteFailure(context, ex, item.Uri);
                            continue;
                        }
                        if (!context.ShouldProcess(target.Uri, $"Copy '{item.Uri}'")) continue;
                        plan.Add(item.Size);
                        async Task CopyOne()
                        {
                            using var progress = Board("Copying").Start(context, item.Uri, item.Size);
                            var copied = await _engine.CopyItemAsync(item, new StorageLocation(source.Provider, item.Key), target,
                                new CopyRequest { Overwrite = Force.IsPresent, InvalidMetadata = InvalidMetadata }, progress, ct).ConfigureAwait(false);
                            context.WriteVerbose($"Copied {item.Uri} to {copied.Uri}");
                            context.WriteObject(copied);
                        }
                        if (single)
                        {
                            await CopyOne().ConfigureAwait(false); // its failure is the address's failure, reported below
                            continue;
                        }
                        await copies.EnqueueAsync(async () =>
                        {
                            try { await CopyOne().ConfigureAwait(false); }
                            catch (Exception ex) when (ErrorRecords.IsItemFailure(ex)) { WriteFailure(context, ex, item.Uri); }
                        }).ConfigureAwait(false);
                    }
                    plan.Complete(context);
                    await copies.DrainAsync().ConfigureAwait(false);
                }
                catch (Exception ex) when (ErrorRecords.IsItemFailure(ex))
                {
                    WriteFailure(context, ex, address);
                }
            }
        });
    }
}
