using Azure.Core.Pipeline;
using Azure.Storage;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Specialized;

namespace CloudStorage.Providers.Azure;

/// <summary>
/// The SDK clients of one container (Azure.Storage.Blobs), configured once per provider: the credential of the options,
/// no SDK retries (one retry layer: ours, with Retry-After and the verbose retry lines), our connect and idle-read
/// timeouts on the HTTP handler instead of Azure.Core's whole-request network timeout, no CRC64 transfer validation (it
/// stores its message framing as content on Azurite; uploads send Content-MD5 instead), and the REST version pinned.
/// </summary>
internal sealed class AzureBlobClients
{
    /// <summary>The REST version spoken (x-ms-version); Azurite and every Azure region take it.</summary>
    public const BlobClientOptions.ServiceVersion Version = BlobClientOptions.ServiceVersion.V2024_11_04;

    private readonly string _basePath;

    public AzureBlobClients(AzureBlobProviderOptions options)
    {
        Endpoint = options.EffectiveEndpoint;
        _basePath = Endpoint.AbsolutePath.TrimEnd('/');
        var clientOptions = new BlobClientOptions(Version);
        clientOptions.Retry.MaxRetries = 0; // the resilience decorator retries whole operations; the part pipeline retries blocks
        // Silence is bounded by HttpTimeouts (connect and idle read, with a message naming the address), not by a
        // whole-request timeout that would also cut a long steady transfer.
        clientOptions.Retry.NetworkTimeout = Timeout.InfiniteTimeSpan;
        clientOptions.Diagnostics.ApplicationId = "CloudStorage";
        clientOptions.Diagnostics.IsLoggingEnabled = false;
        clientOptions.Diagnostics.IsLoggingContentEnabled = false;
        clientOptions.Diagnostics.IsDistributedTracingEnabled = false;
        clientOptions.TransferValidation.Upload.ChecksumAlgorithm = StorageChecksumAlgorithm.None;
        clientOptions.TransferValidation.Download.ChecksumAlgorithm = StorageChecksumAlgorithm.None;
        clientOptions.TransferValidation.Download.AutoValidateChecksum = false;
        clientOptions.Transport = options.Transport
            ?? new HttpClientTransport(new HttpClient(options.Timeouts.CreateHandler(), disposeHandler: true) { Timeout = Timeout.InfiniteTimeSpan });

        Service = options.Credential switch
        {
            AzureSharedKeyCredential key => new BlobServiceClient(Endpoint, key.ToSdk(), clientOptions),
            AzureSasCredential sas => new BlobServiceClient(Endpoint, new global::Azure.AzureSasCredential(sas.Query), clientOptions),
            AzureTokenCredential token => new BlobServiceClient(Endpoint, token.Credential, clientOptions),
            _ => new BlobServiceClient(Endpoint, clientOptions),
        };
        Container = Service.GetBlobContainerClient(options.Container);
    }

    /// <summary>The account's blob endpoint.</summary>
    public Uri Endpoint { get; }

    /// <summary>The account's service client (user-delegation keys).</summary>
    public BlobServiceClient Service { get; }

    /// <summary>The container's client; blob clients share its pipeline (and its cached Entra ID token).</summary>
    public BlobContainerClient Container { get; }

    /// <summary>The client of one block blob.</summary>
    public BlockBlobClient Blob(string key) => Container.GetBlockBlobClient(key);

    /// <summary>
    /// The URL of a blob, each '/'-separated segment of its name percent-encoded, with an optional query (a SAS): what a
    /// presigned URL or a copy source names, independent of how the SDK spells its own request URLs.
    /// </summary>
    public Uri BlobUri(string container, string key, string query = "")
    {
        var path = string.Join('/', key.Split('/').Select(Uri.EscapeDataString));
        var text = $"{Endpoint.Scheme}://{Endpoint.Authority}{_basePath}/{container}/{path}";
        return new Uri(query.Length > 0 ? text + "?" + query : text);
    }
}
