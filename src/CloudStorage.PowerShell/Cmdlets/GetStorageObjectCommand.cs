using System.Management.Automation;
using System.Text;
using CloudStorage.Core.Addressing;
using CloudStorage.Core.Errors;
using CloudStorage.Core.Model;
using CloudStorage.PowerShell.Completion;
using CloudStorage.PowerShell.Infrastructure;
using CloudStorage.Core.Providers.Local;
using CloudStorage.Core.Transfer;

namespace CloudStorage.PowerShell.Cmdlets;

/// <summary>
/// <para type="synopsis">Downloads stored objects to files, or reads them as a string or byte array.</para>
/// <para type="description">-Destination is a file path, or a folder (existing, or written with a trailing
/// separator) to download into with the object's name. With -Recurse a prefix is downloaded as a tree: under the
/// destination folder with the prefix's name, or as the destination itself when that is not an existing folder; a
/// prefix written with a trailing '/' downloads its content straight into the destination.
/// Files appear whole or not at all (the local provider writes a temporary file and renames it). Existing files are
/// only replaced with -Force.</para>
/// </summary>
[Cmdlet(VerbsCommon.Get, "StorageObject", DefaultParameterSetName = ToFileParameterSet, SupportsShouldProcess = true)]
[OutputType(typeof(FileInfo), ParameterSetName = [ToFileParameterSet])]
[OutputType(typeof(string), ParameterSetName = [AsStringParameterSet])]
[OutputType(typeof(byte[]), ParameterSetName = [AsByteArrayParameterSet])]
public sealed class GetStorageObjectCommand : StorageCmdletBase
{
    /// <summary>Download to a file or folder.</summary>
    public const string ToFileParameterSet = "ToFile";

    /// <summary>Read as text.</summary>
    public const string AsStringParameterSet = "AsString";

    /// <summary>Read as bytes.</summary>
    public const string AsByteArrayParameterSet = "AsByteArray";

    /// <summary>The objects (or, with -Recurse, prefixes) to read.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("Path", "LiteralPath")]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(AddressArgumentCompleter))]
    public string[] Uri { get; set; } = [];

    /// <summary>The local file, or a folder to download into.</summary>
    [Parameter(ParameterSetName = ToFileParameterSet, Mandatory = true, Position = 1)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(AddressArgumentCompleter))]
    public string Destination { get; set; } = "";

    /// <summary>Download everything under a prefix.</summary>
    [Parameter(ParameterSetName = ToFileParameterSet)]
    public SwitchParameter Recurse { get; set; }

    /// <summary>Replace existing files.</summary>
    [Parameter(ParameterSetName = ToFileParameterSet)]
    public SwitchParameter Force { get; set; }

    /// <summary>Return the content as a string.</summary>
    [Parameter(ParameterSetName = AsStringParameterSet, Mandatory = true)]
    public SwitchParameter AsString { get; set; }

    /// <summary>The text encoding for -AsString (a byte order mark, when present, wins).</summary>
    [Parameter(ParameterSetName = AsStringParameterSet)]
    [ValidateSet("UTF8", "UTF8BOM", "UTF8NoBOM", "ASCII", "Unicode", "BigEndianUnicode", "UTF32", "Latin1", IgnoreCase = true)]
    public string Encoding { get; set; } = "UTF8";

    /// <summary>Return the content as one byte array.</summary>
    [Parameter(ParameterSetName = AsByteArrayParameterSet, Mandatory = true)]
    public SwitchParameter AsByteArray { get; set; }

    /// <summary>The largest object read into memory by -AsString/-AsByteArray.</summary>
    internal long MaxInMemoryBytes { get; set; } = 1L << 30;

    private readonly TransferEngine _engine = new();

    // -Destination as this session means it (~, PSDrives, the current location), set in BeginProcessing.
    private string _destination = "";

    /// <inheritdoc />
    protected override void BeginProcessingCore()
    {
        _destination = SessionAddress(Destination);
        if (AsString.IsPresent && AsByteArray.IsPresent)
            throw Terminating(StorageErrorKind.InvalidArgument, "-AsString and -AsByteArray cannot be used together.", null);
        if (!AsString.IsPresent && !AsByteArray.IsPresent)
        {
            if (string.IsNullOrEmpty(Destination))
                throw Terminating(StorageErrorKind.InvalidArgument, "Give -Destination (a file or folder), -AsString or -AsByteArray.", null);
            if (Destinations.LocalPathOf(Context, _destination) is null)
                throw Terminating(StorageErrorKind.InvalidArgument,
                    $"Get-StorageObject downloads to the local file system; '{Destination}' is a storage address: use Copy-StorageObject.", Destination);
        }
        else if (Recurse.IsPresent)
            throw Terminating(StorageErrorKind.InvalidArgument, "-Recurse needs -Destination: a tree cannot be read into one value.", null);
    }

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
                if (AsString.IsPresent || AsByteArray.IsPresent)
                {
                    var bytes = await _engine.ReadAllBytesAsync(location, MaxInMemoryBytes, ct).ConfigureAwait(false);
                    context.WriteObject(AsByteArray.IsPresent ? bytes : Decode(bytes, Encoding));
                }
                else
                {
                    await DownloadAsync(context, location, ct).ConfigureAwait(false);
                }
            }
            catch (Exception ex) when (ErrorRecords.IsItemFailure(ex))
            {
                WriteFailure(context, ex, address);
            }
        }
    });
    }

    private async Task DownloadAsync(ICmdletContext context, StorageLocation location, CancellationToken ct)
    {
        var destination = Destinations.LocalPathOf(context, _destination)!;
        var intoFolder = _destination.EndsWith('/') || _destination.EndsWith('\\') || Directory.Exists(destination);
        var prefixName = Destinations.TreeName(location.Key);
        // Objects land under a folder through a provider confined to it: a key that would leave it is that object's error.
        StorageLocation? destinationFolder = null, treeFolder = null;
        StorageLocation DestinationFolder() => destinationFolder ??= LocalFolderProvider.Confine(context.Registry.Resolve(
            destination.EndsWith(System.IO.Path.DirectorySeparatorChar) ? destination : destination + System.IO.Path.DirectorySeparatorChar, context.CurrentDirectory));
        StorageLocation TreeFolder() => treeFolder ??= intoFolder && prefixName.Length > 0
            ? LocalFolderProvider.Confine(DestinationFolder().Child(prefixName + "/"))
            : DestinationFolder();

        // Objects are downloaded as the listing finds them; the totals show once it ends (counted, not buffered).
        using var plan = Board("Downloading").BeginPlan();
        await foreach (var (item, relative) in ItemLister.ExpandAsync(location, Recurse.IsPresent, ct).ConfigureAwait(false))
        {
            ct.ThrowIfCancellationRequested();
            var single = !location.IsPrefixOnly && item.Key == location.Key;
            try
            {
                StorageLocation target;
                string file;
                if (single && !intoFolder)
                {
                    file = destination; // the file the user named
                    target = context.Registry.Resolve(file, context.CurrentDirectory);
                }
                else
                {
                    var folder = single ? DestinationFolder() : TreeFolder();
                    var key = single ? item.Name : relative;
                    file = ((LocalFolderProvider)folder.Provider).PathOf(key);
                    target = folder.Child(key);
                }
                if (!context.ShouldProcess(file, $"Download '{item.Uri}'")) continue;
                plan.Add(item.Size);
                // The bar names the object, not the (temporary) file being written.
                using (var progress = Board("Downloading").Start(context, item.Uri, item.Size))
                    await _engine.CopyItemAsync(item, new StorageLocation(location.Provider, item.Key), target,
                        new CopyRequest { Overwrite = Force.IsPresent }, progress, ct).ConfigureAwait(false);
                context.WriteVerbose($"Downloaded {item.Uri} to {file}");
                context.WriteObject(new FileInfo(file));
            }
            catch (Exception ex) when (ErrorRecords.IsItemFailure(ex) && !single)
            {
                WriteFailure(context, ex, item.Uri);
            }
        }
        plan.Complete(context);
    }

    internal static string Decode(byte[] bytes, string encodingName)
    {
        System.Text.Encoding encoding = encodingName.ToUpperInvariant() switch
        {
            "UTF8" or "UTF8BOM" or "UTF8NOBOM" => new UTF8Encoding(false),
            "ASCII" => System.Text.Encoding.ASCII,
            "UNICODE" => System.Text.Encoding.Unicode,
            "BIGENDIANUNICODE" => System.Text.Encoding.BigEndianUnicode,
            "UTF32" => System.Text.Encoding.UTF32,
            "LATIN1" => System.Text.Encoding.Latin1,
            _ => throw Terminating(StorageErrorKind.InvalidArgument, $"Unknown encoding '{encodingName}'.", encodingName),
        };
        using var reader = new StreamReader(new MemoryStream(bytes, writable: false), encoding, detectEncodingFromByteOrderMarks: true);
        return reader.ReadToEnd();
    }
}
