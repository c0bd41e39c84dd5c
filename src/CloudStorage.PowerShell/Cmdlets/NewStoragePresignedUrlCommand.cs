using System.Management.Automation;
using CloudStorage.Core.Errors;
using CloudStorage.Core.Model;
using CloudStorage.PowerShell.Completion;
using CloudStorage.PowerShell.Infrastructure;
using CloudStorage.Core.Transfer;

namespace CloudStorage.PowerShell.Cmdlets;

/// <summary>
/// <para type="synopsis">Creates a presigned URL that lets a plain HTTP client read, write or delete one object.</para>
/// <para type="description">Only cloud providers sign URLs; memory and local addresses give a NotImplemented error
/// naming the provider. The URL is a bearer secret: it is written only as the object's Url property, never to
/// verbose or error streams.</para>
/// </summary>
[Cmdlet(VerbsCommon.New, "StoragePresignedUrl")]
[OutputType(typeof(PresignedUrl))]
public sealed class NewStoragePresignedUrlCommand : StorageCmdletBase
{
    /// <summary>The objects to sign URLs for.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(AddressArgumentCompleter))]
    public string[] Uri { get; set; } = [];

    /// <summary>The HTTP method the URL allows.</summary>
    [Parameter]
    public PresignMethod Method { get; set; } = PresignMethod.Get;

    /// <summary>How long the URL stays valid.</summary>
    [Parameter]
    public TimeSpan ExpiresIn { get; set; } = TimeSpan.FromHours(1);

    /// <summary>The content type an uploader must send (Put).</summary>
    [Parameter]
    public string? ContentType { get; set; }

    /// <inheritdoc />
    protected override void BeginProcessingCore()
    {
        if (ExpiresIn <= TimeSpan.Zero)
            throw Terminating(StorageErrorKind.InvalidArgument, $"-ExpiresIn must be positive, not {ExpiresIn}.", ExpiresIn);
    }

    /// <inheritdoc />
    protected override void ProcessRecordCore() => RunAsync(async (context, ct) =>
    {
        var request = new PresignRequest { Method = Method, ExpiresIn = ExpiresIn, ContentType = ContentType };
        foreach (var address in Uri)
        {
            ct.ThrowIfCancellationRequested();
            try
            {
                var location = Resolve(context, address);
                var url = await Presigning.PresignAsync(location, request, ct).ConfigureAwait(false);
                context.WriteVerbose($"Presigned {url}"); // PresignedUrl.ToString hides the signature
                context.WriteObject(url);
            }
            catch (Exception ex) when (ErrorRecords.IsItemFailure(ex))
            {
                WriteFailure(context, ex, address);
            }
        }
    });
}
