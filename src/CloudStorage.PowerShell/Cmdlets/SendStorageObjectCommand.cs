using System.Collections;
using System.Management.Automation;
using System.Text;
using CloudStorage.Core.Addressing;
using CloudStorage.Core.Errors;
using CloudStorage.Core.Model;
using CloudStorage.PowerShell.Completion;
using CloudStorage.PowerShell.Infrastructure;
using CloudStorage.Core.Transfer;

namespace CloudStorage.PowerShell.Cmdlets;

/// <summary>
/// <para type="synopsis">Uploads local files, folders or a value to storage.</para>
/// <para type="description">-Path takes paths with wildcards; -LiteralPath takes paths as written and binds
/// PSPath/FullName from Get-ChildItem. Both are read as PowerShell reads paths (~, PSDrives, the current location).
/// A -Destination ending in '/' or naming an existing prefix means "under it, with the file's name" (several files
/// from one wildcard always go under it); otherwise it is the exact key. With -Recurse a folder is uploaded as a tree
/// (under the destination folder with its own name, or as the destination itself when that is not an existing
/// folder); a folder written with a trailing separator ("photos/") uploads its content straight into the destination. The content type comes from the extension unless -ContentType is given. An existing object is only
/// replaced with -Force.</para>
/// </summary>
[Cmdlet(VerbsCommunications.Send, "StorageObject", DefaultParameterSetName = PathParameterSet, SupportsShouldProcess = true)]
[OutputType(typeof(StorageItem))]
public sealed class SendStorageObjectCommand : StorageCmdletBase
{
    /// <summary>Upload files and folders.</summary>
    public const string PathParameterSet = "Path";

    /// <summary>Upload files and folders named literally (no wildcards).</summary>
    public const string LiteralPathParameterSet = "LiteralPath";

    /// <summary>Upload a string or byte array.</summary>
    public const string ValueParameterSet = "Value";

    /// <summary>Local files or folders; wildcards are expanded.</summary>
    [Parameter(ParameterSetName = PathParameterSet, Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    public string[] Path { get; set; } = [];

    /// <summary>Local files or folders, exactly as written (what Get-ChildItem pipes in as PSPath).</summary>
    [Parameter(ParameterSetName = LiteralPathParameterSet, Mandatory = true, ValueFromPipelineByPropertyName = true)]
    [Alias("PSPath", "LP", "FullName")]
    [ValidateNotNullOrEmpty]
    public string[] LiteralPath { get; set; } = [];

    /// <summary>A string (stored as UTF-8) or byte array to store.</summary>
    [Parameter(ParameterSetName = ValueParameterSet, Mandatory = true)]
    [AllowEmptyString]
    [AllowEmptyCollection]
    public object? Value { get; set; }

    /// <summary>The destination key, or a folder (ending in '/' or existing) to upload under.</summary>
    [Parameter(Mandatory = true, Position = 1)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(AddressArgumentCompleter))]
    public string Destination { get; set; } = "";

    /// <summary>Upload folders with everything in them.</summary>
    [Parameter(ParameterSetName = PathParameterSet)]
    [Parameter(ParameterSetName = LiteralPathParameterSet)]
    public SwitchParameter Recurse { get; set; }

    /// <summary>The MIME type; by default from the file extension.</summary>
    [Parameter]
    public string? ContentType { get; set; }

    /// <summary>User metadata to store with each object.</summary>
    [Parameter]
    public Hashtable? Metadata { get; set; }

    /// <summary>The storage class or tier (S3: STANDARD_IA, GLACIER_IR, ...); by default the bucket's. Refused by providers without storage classes.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? StorageClass { get; set; }

    /// <summary>Tags to store with each object (a hashtable of names and values). Refused by providers without tags.</summary>
    [Parameter]
    public Hashtable? Tag { get; set; }

    /// <summary>Replace existing objects.</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    private readonly TransferEngine _engine = new();

    /// <inheritdoc />
    protected override void ProcessRecordCore()
    {
        var destination = ResolveDestination();
        var metadata = ToDictionary(Metadata);
        if (ParameterSetName == ValueParameterSet || (Value is not null && Path.Length == 0 && LiteralPath.Length == 0))
        {
            var content = ValueBytes(Value);
            if (destination.IsPrefixOnly)
                throw Terminating(StorageErrorKind.InvalidArgument, $"-Value needs an object key as -Destination, not the prefix '{Destination}'.", Destination);
            RunAsync(async (context, ct) =>
            {
                var contentType = ContentType ?? (Value is string && ContentTypes.FromName(destination.Key) == ContentTypes.Default
                    ? "text/plain; charset=utf-8"
                    : ContentTypes.FromName(destination.Key));
                try
                {
                    if (!context.ShouldProcess(destination.Uri, $"Upload a value of {content.Length:N0} bytes")) return;
                    await UploadAsync(context, new MemoryStream(content, writable: false), content.Length, "value", destination, contentType, metadata, ct).ConfigureAwait(false);
                }
                catch (Exception ex) when (ErrorRecords.IsItemFailure(ex))
                {
                    WriteFailure(context, ex, destination.Uri);
                }
            });
            return;
        }

        var sources = ExpandSources();
        RunAsync(async (context, ct) =>
        {
            foreach (var (path, expanded, failure) in sources)
            {
                ct.ThrowIfCancellationRequested();
                IReadOnlyList<string> entries;
                try { entries = failure is not null ? throw failure : expanded ?? LocalPaths.Expand(path, context.CurrentDirectory); }
                catch (Exception ex) when (ErrorRecords.IsItemFailure(ex)) { WriteFailure(context, ex, path); continue; }

                // Several matches of one wildcard cannot all be one key: they go under the destination as a folder.
                var many = entries.Count > 1;
                foreach (var entry in entries)
                {
                    ct.ThrowIfCancellationRequested();
                    try
                    {
                        if (Directory.Exists(entry))
                        {
                            // "photos/" means the folder's content; "photos" (or ".") the folder itself, by its real name.
                            var name = !many && (path.EndsWith('/') || path.EndsWith('\\'))
                                ? ""
                                : System.IO.Path.GetFileName(System.IO.Path.TrimEndingDirectorySeparator(entry));
                            await SendDirectoryAsync(context, entry, name, destination, many, metadata, ct).ConfigureAwait(false);
                        }
                        else
                        {
                            var name = System.IO.Path.GetFileName(entry);
                            var target = many
                                ? destination.Child(name)
                                : await Destinations.ForObjectAsync(context, _destination, destination, name, ct).ConfigureAwait(false);
                            await SendFileAsync(context, entry, target, metadata, ct).ConfigureAwait(false);
                        }
                    }
                    catch (Exception ex) when (ErrorRecords.IsItemFailure(ex))
                    {
                        WriteFailure(context, ex, entry);
                    }
                }
            }
        });
    }

    private async Task SendDirectoryAsync(ICmdletContext context, string directory, string name, StorageLocation destination, bool intoFolder,
        IReadOnlyDictionary<string, string>? metadata, CancellationToken ct)
    {
        if (!Recurse.IsPresent)
            throw new StorageException(StorageErrorKind.InvalidArgument, $"'{directory}' is a folder; use -Recurse to upload it with its content.", directory);
        var root = intoFolder && name.Length > 0
            ? destination.Child(name + "/")
            : await Destinations.ForTreeAsync(context, _destination, destination, name, ct).ConfigureAwait(false);
        // Files go up a few at a time as the folder is walked (flat memory however many there are); a second walk
        // alongside only counts them, so the overall bar shows totals long before the uploads end.
        using var uploads = new BoundedWorkQueue(_engine.Options.Parallelism, ct);
        var plan = Board("Uploading").BeginPlan();
        var counting = Task.Run(() =>
        {
            using (plan)
            {
                foreach (var file in LocalPaths.FilesBelow(directory))
                {
                    ct.ThrowIfCancellationRequested();
                    plan.Add(new FileInfo(file).Length);
                }
                plan.Complete(context);
            }
        }, ct);
        foreach (var file in LocalPaths.FilesBelow(directory))
        {
            ct.ThrowIfCancellationRequested();
            var target = root.Child(LocalPaths.RelativeKey(directory, file));
            if (!context.ShouldProcess(target.Uri, $"Upload file '{file}'")) continue;
            await uploads.EnqueueAsync(async () =>
            {
                try
                {
                    await UploadFileAsync(context, file, target, metadata, ct).ConfigureAwait(false);
                }
                catch (Exception ex) when (ErrorRecords.IsItemFailure(ex))
                {
                    WriteFailure(context, ex, file);
                }
            }).ConfigureAwait(false);
        }
        await uploads.DrainAsync().ConfigureAwait(false);
        // The count only feeds the bar: a folder that changed under the walk or an unreadable entry costs the totals, not the upload.
        try { await counting.ConfigureAwait(false); }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or OperationCanceledException) { }
        ct.ThrowIfCancellationRequested();
    }

    private async Task SendFileAsync(ICmdletContext context, string file, StorageLocation target, IReadOnlyDictionary<string, string>? metadata, CancellationToken ct)
    {
        if (!context.ShouldProcess(target.Uri, $"Upload file '{file}'")) return;
        using (var plan = Board("Uploading").BeginPlan())
        {
            plan.Add(new FileInfo(file).Length);
            plan.Complete(null); // shown by the upload's first record
        }
        await UploadFileAsync(context, file, target, metadata, ct).ConfigureAwait(false);
    }

    private async Task UploadFileAsync(ICmdletContext context, string file, StorageLocation target, IReadOnlyDictionary<string, string>? metadata, CancellationToken ct)
    {
        await using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, useAsync: true);
        await UploadAsync(context, stream, stream.Length, $"'{file}'", target, ContentType ?? ContentTypes.FromName(file), metadata, ct).ConfigureAwait(false);
    }

    private async Task UploadAsync(ICmdletContext context, Stream content, long length, string what, StorageLocation target, string contentType,
        IReadOnlyDictionary<string, string>? metadata, CancellationToken ct)
    {
        var request = new CopyRequest
        {
            Overwrite = Force.IsPresent, ContentType = contentType, Metadata = metadata, StorageClass = StorageClass, Tags = ToDictionary(Tag),
        };
        using var progress = Board("Uploading").Start(context, target.Uri, length);
        var item = await _engine.UploadAsync(content, length, target, request, progress, ct).ConfigureAwait(false);
        context.WriteVerbose($"Uploaded {length:N0} bytes from {what} to {item.Uri}");
        context.WriteObject(item);
    }

    // The sources of this input with their files found through the session (wildcards for -Path, exactly as written
    // for -LiteralPath); a failure is kept, so the worker reports it for that path alone. Outside a session (tests)
    // the worker expands them against the current directory.
    private List<(string Path, IReadOnlyList<string>? Entries, StorageException? Failure)> ExpandSources()
    {
        var literal = ParameterSetName == LiteralPathParameterSet || LiteralPath.Length > 0;
        var result = new List<(string, IReadOnlyList<string>?, StorageException?)>();
        foreach (var path in literal ? LiteralPath : Path)
        {
            IReadOnlyList<string>? entries = null;
            StorageException? failure = null;
            if (ReferenceEquals(Context, this) && SessionState is { } session)
            {
                try { entries = SessionPaths.ResolveFiles(session, path, literal); }
                catch (StorageException ex) { failure = ex; }
            }
            result.Add((path, entries, failure));
        }
        return result;
    }

    // -Destination as this session means it (~, PSDrives, the current location).
    private string _destination = "";

    private StorageLocation ResolveDestination()
    {
        try
        {
            _destination = SessionAddress(Destination);
            return Resolve(Context, _destination);
        }
        catch (StorageException ex)
        {
            throw new TerminatingErrorException(ErrorRecords.From(ex, Destination));
        }
    }

    private static byte[] ValueBytes(object? value)
    {
        if (value is PSObject wrapped && wrapped.BaseObject is not null) value = wrapped.BaseObject;
        return value switch
        {
            string s => new UTF8Encoding(encoderShouldEmitUTF8Identifier: false).GetBytes(s),
            byte[] bytes => bytes,
            object[] items when items.All(i => i is byte) => items.Cast<byte>().ToArray(),
            _ => throw Terminating(StorageErrorKind.InvalidArgument,
                $"-Value must be a string or a byte array, not {(value is null ? "null" : value.GetType().Name)}.", value),
        };
    }

    internal static Dictionary<string, string>? ToDictionary(Hashtable? table)
    {
        if (table is null) return null;
        var result = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (DictionaryEntry entry in table)
        {
            var value = entry.Value is PSObject p && p.BaseObject is not null ? p.BaseObject : entry.Value;
            result[entry.Key.ToString()!] = value?.ToString() ?? "";
        }
        return result;
    }
}
