using CloudStorage.Core.Addressing;
using CloudStorage.Core.Model;

namespace CloudStorage.PowerShell.Completion;

/// <summary>What a completion stands for.</summary>
public enum AddressCompletionKind
{
    /// <summary>A URI scheme (<c>mem://</c>).</summary>
    Scheme,

    /// <summary>A registered provider name (<c>backup:</c>).</summary>
    Provider,

    /// <summary>A prefix ("folder") one level down, ending in '/'.</summary>
    Prefix,

    /// <summary>A stored object.</summary>
    Object,
}

/// <summary>One completion: the text to insert (quoted when needed), the text to list, and a tooltip.</summary>
public sealed record AddressCompletion(string CompletionText, string ListItemText, AddressCompletionKind Kind, string ToolTip);

/// <summary>
/// Completes addresses for -Uri/-Source/-Destination/-Reference without PowerShell: URI schemes and provider names
/// for a bare word, and one delimited listing level of keys and prefixes once the word names a container, a
/// provider (<c>backup:</c>) or a local folder. Bounded to <see cref="MaxResults"/> entries and <see cref="Timeout"/>;
/// any failure (unknown provider, no credentials, network) gives no completions rather than an error.
/// </summary>
public sealed class AddressCompleter
{
    private readonly ProviderRegistry _registry;
    private readonly Func<string> _currentDirectory;
    private readonly Func<string, string?> _localFolder;

    /// <summary>
    /// A completer over <paramref name="registry"/>; relative local paths resolve against <paramref name="currentDirectory"/>,
    /// and <paramref name="localFolder"/> (when given) turns the folder part of a local word as typed (<c>~/</c>,
    /// <c>Temp:/</c>, <c>./sub/</c>) into an existing file-system folder, or null — PowerShell's session does that.
    /// </summary>
    public AddressCompleter(ProviderRegistry registry, Func<string>? currentDirectory = null, Func<string, string?>? localFolder = null)
    {
        _registry = registry;
        _currentDirectory = currentDirectory ?? Directory.GetCurrentDirectory;
        _localFolder = localFolder ?? (folder => Path.GetFullPath(folder.Length == 0 ? "." : folder, _currentDirectory()));
    }

    /// <summary>At most this many completions (default 100).</summary>
    public int MaxResults { get; init; } = 100;

    /// <summary>How long a listing may take (default 2 s); what arrived by then is kept.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>The completions for <paramref name="wordToComplete"/> as PowerShell passes it (possibly quoted).</summary>
    public IReadOnlyList<AddressCompletion> Complete(string? wordToComplete, CancellationToken cancellationToken = default)
    {
        var (word, quote) = Unquote(wordToComplete ?? "");
        var results = new List<AddressCompletion>();
        try
        {
            if (!word.Contains(':') && !word.Contains('/') && !word.Contains('\\'))
                AddSchemesAndProviders(word, quote, results);
            AddMemoryStores(word, quote, results);
            if (results.Count < MaxResults)
                AddKeys(word, quote, results, cancellationToken);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // Completion must never fail the user's typing: no completions instead of an error.
            return [];
        }
        return results.Count > MaxResults ? results.GetRange(0, MaxResults) : results;
    }

    /// <summary>Registered provider names starting with <paramref name="wordToComplete"/> (for -Name).</summary>
    public IReadOnlyList<AddressCompletion> CompleteProviderNames(string? wordToComplete)
    {
        var (word, quote) = Unquote(wordToComplete ?? "");
        try
        {
            return _registry.GetRegistrations()
                .Where(r => r.Name.StartsWith(word, StringComparison.OrdinalIgnoreCase))
                .Take(MaxResults)
                .Select(r => new AddressCompletion(Quote(r.Name, quote), r.Name, AddressCompletionKind.Provider, $"{r.Name} → {r.Uri}"))
                .ToList();
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            return [];
        }
    }

    private void AddSchemesAndProviders(string word, char? quote, List<AddressCompletion> results)
    {
        foreach (var scheme in _registry.Schemes)
        {
            var text = scheme + "://";
            if (text.StartsWith(word, StringComparison.OrdinalIgnoreCase))
                results.Add(new AddressCompletion(Quote(text, quote), text, AddressCompletionKind.Scheme, SchemeTip(scheme)));
        }
        foreach (var registration in _registry.GetRegistrations())
        {
            var text = registration.Name + ":";
            if (text.StartsWith(word, StringComparison.OrdinalIgnoreCase))
                results.Add(new AddressCompletion(Quote(text, quote), text, AddressCompletionKind.Provider, $"{registration.Name} → {registration.Uri}"));
        }
    }

    // "mem://" and "mem://sto": the memory stores of this session (they exist only once something was written).
    private void AddMemoryStores(string word, char? quote, List<AddressCompletion> results)
    {
        const string scheme = "mem://";
        if (!word.StartsWith(scheme, StringComparison.OrdinalIgnoreCase) && !scheme.StartsWith(word, StringComparison.OrdinalIgnoreCase)) return;
        if (word.Length < scheme.Length && word.Length < 2) return; // "m" completes to the scheme only
        var typed = word.Length > scheme.Length ? word[scheme.Length..] : "";
        if (typed.Contains('/')) return;
        foreach (var store in _registry.MemoryStoreNames)
        {
            if (!store.StartsWith(typed, StringComparison.Ordinal)) continue;
            var text = scheme + store + "/";
            results.Add(new AddressCompletion(Quote(text, quote), text, AddressCompletionKind.Prefix, $"{text} — a memory store of this session"));
        }
    }

    private void AddKeys(string word, char? quote, List<AddressCompletion> results, CancellationToken cancellationToken)
    {
        if (SplitFolder(word) is not { } split) return;
        var (folder, leaf) = split;
        if (LocalFolderOf(folder) is { } local)
        {
            AddLocalEntries(folder, local, leaf, quote, results);
            return;
        }
        // A folder typed as "" (a bare relative name) lists the current directory.
        var location = _registry.Resolve(folder.Length == 0 ? "./" : folder, _currentDirectory());
        var folderKey = location.Key.Length == 0 || location.Key.EndsWith('/') ? location.Key : location.Key + "/";

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(Timeout);
        var request = new ListRequest { Prefix = folderKey + leaf, Delimiter = "/", PageSize = MaxResults };
        var found = new List<StorageItem>();
        Task.Run(async () =>
        {
            try
            {
                await foreach (var item in location.Provider.ListAsync(request, timeout.Token).WithCancellation(timeout.Token).ConfigureAwait(false))
                {
                    lock (found) found.Add(item);
                    if (found.Count + results.Count >= MaxResults) break;
                }
            }
            catch (OperationCanceledException) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
            {
                // Out of time: keep what arrived.
            }
        }, CancellationToken.None).GetAwaiter().GetResult();

        lock (found)
        {
            foreach (var item in found)
            {
                if (!item.Key.StartsWith(folderKey, StringComparison.Ordinal)) continue;
                var child = item.Key[folderKey.Length..];
                if (child.Length == 0) continue;
                var text = folder + child;
                var tip = item.IsPrefix ? item.Uri : $"{item.Uri}  ({item.Size:N0} bytes{(item.LastModified is { } m ? ", " + m.ToString("u") : "")})";
                results.Add(new AddressCompletion(Quote(text, quote), child, item.IsPrefix ? AddressCompletionKind.Prefix : AddressCompletionKind.Object, tip));
            }
        }
    }

    // A local folder (a relative or absolute path, ~, or a file-system PSDrive such as Temp: that is no registered
    // provider) is read from the disk directly: empty folders are listed too, which no object listing has.
    private string? LocalFolderOf(string folder)
    {
        var parsed = StorageUri.Parse(folder.Length == 0 ? "./" : folder);
        var local = parsed.Kind switch
        {
            AddressKind.LocalPath => !folder.StartsWith("file:", StringComparison.OrdinalIgnoreCase),
            AddressKind.Named => !_registry.GetRegistrations().Any(r => string.Equals(r.Name, parsed.ProviderName, StringComparison.OrdinalIgnoreCase)),
            _ => false,
        };
        if (!local) return null;
        var path = _localFolder(folder.Length == 0 ? "." : folder);
        return path is not null && Directory.Exists(path) ? path : null;
    }

    private void AddLocalEntries(string folder, string directory, string leaf, char? quote, List<AddressCompletion> results)
    {
        // "Temp:" completes to "Temp:/name", not "Temp:name" (relative to the drive's location).
        var typed = folder.EndsWith(':') ? folder + "/" : folder;
        var comparison = OperatingSystem.IsWindows() || OperatingSystem.IsMacOS() ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;
        var entries = new DirectoryInfo(directory)
            .EnumerateFileSystemInfos("*", new EnumerationOptions { AttributesToSkip = 0, IgnoreInaccessible = true })
            .Where(e => e.Name.StartsWith(leaf, comparison))
            .OrderBy(e => e.Name, StringComparer.Ordinal)
            .Take(MaxResults - results.Count);
        foreach (var entry in entries)
        {
            if (entry is DirectoryInfo)
            {
                var text = typed + entry.Name + "/";
                results.Add(new AddressCompletion(Quote(text, quote), entry.Name + "/", AddressCompletionKind.Prefix, entry.FullName));
            }
            else
            {
                var text = typed + entry.Name;
                var size = ((FileInfo)entry).Length;
                results.Add(new AddressCompletion(Quote(text, quote), entry.Name, AddressCompletionKind.Object,
                    $"{entry.FullName}  ({size:N0} bytes, {entry.LastWriteTimeUtc:u})"));
            }
        }
    }

    /// <summary>
    /// Splits a word into the folder part as typed (kept verbatim in the completion) and the leaf being typed; null
    /// when the word does not yet name anything that can be listed (a bare <c>mem://sto</c>).
    /// </summary>
    private static (string Folder, string Leaf)? SplitFolder(string word)
    {
        var uri = StorageUri.Parse(word.Length == 0 ? "./" : word);
        int rootLength;
        switch (uri.Kind)
        {
            case AddressKind.Named:
                rootLength = uri.ProviderName!.Length + 1;
                break;
            case AddressKind.Cloud:
                rootLength = word.Length - uri.Key.Length;
                // "s3://bucket" without the slash after the container: nothing to list yet.
                if (rootLength == 0 || word[rootLength - 1] != '/') return null;
                break;
            default:
                if (word.Length == 0) return ("", "");
                var lastSeparator = word.LastIndexOfAny(['/', '\\']);
                return lastSeparator < 0 ? ("", word) : (word[..(lastSeparator + 1)], word[(lastSeparator + 1)..]);
        }
        var slash = word.LastIndexOf('/');
        var cut = slash >= rootLength ? slash + 1 : rootLength;
        return (word[..cut], word[cut..]);
    }

    private static string SchemeTip(string scheme) => scheme switch
    {
        "mem" => "mem://store/key — an in-memory store of this session",
        "file" => "file:///path — a local path",
        "s3" => "s3://bucket/key — Amazon S3",
        "gs" => "gs://bucket/key — Google Cloud Storage",
        "az" => "az://account/container/blob — Azure Blob Storage",
        _ => scheme + "://",
    };

    /// <summary>The word without its opening (and closing) quote, and that quote character.</summary>
    internal static (string Word, char? Quote) Unquote(string word)
    {
        if (word.Length == 0 || !IsQuote(word[0])) return (word, null);
        var quote = word[0];
        var inner = word[1..];
        if (inner.Length > 0 && IsQuote(inner[^1])) inner = inner[..^1];
        return (quote == '\'' ? inner.Replace("''", "'") : inner, NormalizeQuote(quote));
    }

    /// <summary>
    /// The text as a PowerShell argument: as is when it is a plain bare word, else single-quoted (or in the quote
    /// the user opened), with embedded quotes doubled.
    /// </summary>
    internal static string Quote(string text, char? quote)
    {
        if (quote is null && !NeedsQuotes(text)) return text;
        if (quote == '"')
            return "\"" + text.Replace("`", "``").Replace("$", "`$").Replace("\"", "`\"") + "\"";
        return "'" + text.Replace("'", "''") + "'";
    }

    private static bool NeedsQuotes(string text)
    {
        if (text.Length == 0) return true;
        if (text[0] is '#' or '@' or '-' or '<' or '>') return true;
        foreach (var c in text)
            if (char.IsWhiteSpace(c) || c is '\'' or '"' or '`' or '$' or ';' or ',' or '(' or ')' or '{' or '}' or '&' or '|' or '[' or ']'
                || c is '\u2018' or '\u2019' or '\u201A' or '\u201B' or '\u201C' or '\u201D' or '\u201E')
                return true;
        return false;
    }

    private static bool IsQuote(char c) => c is '\'' or '"' or '\u2018' or '\u2019' or '\u201A' or '\u201B' or '\u201C' or '\u201D' or '\u201E';

    private static char NormalizeQuote(char c) => c is '"' or '\u201C' or '\u201D' or '\u201E' ? '"' : '\'';
}
