namespace CloudStorage.Core.Model;

/// <summary>HTTP methods a presigned URL can grant.</summary>
public enum PresignMethod
{
    /// <summary>Download.</summary>
    Get,
    /// <summary>Upload (create or replace).</summary>
    Put,
    /// <summary>Delete.</summary>
    Delete,
}

/// <summary>What to presign.</summary>
public sealed record PresignRequest
{
    /// <summary>The method the URL allows.</summary>
    public PresignMethod Method { get; init; } = PresignMethod.Get;

    /// <summary>How long the URL stays valid.</summary>
    public TimeSpan ExpiresIn { get; init; } = TimeSpan.FromHours(1);

    /// <summary>Content type the uploader must send (PUT), when constrained.</summary>
    public string? ContentType { get; init; }
}

/// <summary>A presigned URL for one object. The URL itself is a bearer secret: <see cref="ToString"/> hides its query.</summary>
public sealed record PresignedUrl
{
    /// <summary>The object's canonical address.</summary>
    public required string Uri { get; init; }

    /// <summary>The method it allows.</summary>
    public required PresignMethod Method { get; init; }

    /// <summary>
    /// The signed URL to hand to an HTTP client, as a string exactly as signed: a System.Uri would print unescaped
    /// (%20 as a space) when PowerShell passes it to curl, and the signature would no longer match.
    /// </summary>
    public required string Url { get; init; }

    /// <summary>When it stops working.</summary>
    public required DateTimeOffset ExpiresOn { get; init; }

    /// <summary>Headers the client must send with the request (e.g. Content-Type for PUT).</summary>
    public IReadOnlyDictionary<string, string> RequiredHeaders { get; init; } = new Dictionary<string, string>();

    /// <summary>Shows the address and expiry, not the signature.</summary>
    public override string ToString() => $"{Method.ToString().ToUpperInvariant()} {Uri} (expires {ExpiresOn:u})";
}
