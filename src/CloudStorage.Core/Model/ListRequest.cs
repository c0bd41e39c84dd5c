namespace CloudStorage.Core.Model;

/// <summary>What to list: keys starting with <see cref="Prefix"/>; with a <see cref="Delimiter"/>, keys containing
/// it after the prefix collapse into one prefix entry each.</summary>
public sealed record ListRequest
{
    /// <summary>Only keys starting with this (ordinal). Empty lists everything.</summary>
    public string Prefix { get; init; } = "";

    /// <summary>Null for a recursive listing, usually "/" for one level.</summary>
    public string? Delimiter { get; init; }

    /// <summary>Provider page size hint (entries per request); null for the provider's default.</summary>
    public int? PageSize { get; init; }

    /// <summary>A recursive listing of everything under a prefix.</summary>
    public static ListRequest Recursive(string prefix = "") => new() { Prefix = prefix };

    /// <summary>One level under a prefix, '/'-delimited.</summary>
    public static ListRequest OneLevel(string prefix = "") => new() { Prefix = prefix, Delimiter = "/" };
}
