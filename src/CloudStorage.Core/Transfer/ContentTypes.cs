namespace CloudStorage.Core.Transfer;

/// <summary>
/// MIME types of common file extensions, for uploads that name no content type. A small fixed table, not the
/// operating system's registry, so an upload stores the same type on every machine.
/// </summary>
internal static class ContentTypes
{
    /// <summary>The type used when the extension is unknown.</summary>
    public const string Default = "application/octet-stream";

    private static readonly Dictionary<string, string> ByExtension = new(StringComparer.OrdinalIgnoreCase)
    {
        [".txt"] = "text/plain", [".log"] = "text/plain", [".md"] = "text/markdown", [".csv"] = "text/csv",
        [".tsv"] = "text/tab-separated-values", [".htm"] = "text/html", [".html"] = "text/html", [".css"] = "text/css",
        [".js"] = "text/javascript", [".mjs"] = "text/javascript", [".xml"] = "application/xml", [".json"] = "application/json",
        [".yaml"] = "application/yaml", [".yml"] = "application/yaml", [".ps1"] = "text/plain", [".psm1"] = "text/plain",
        [".psd1"] = "text/plain", [".ps1xml"] = "application/xml", [".ics"] = "text/calendar", [".svg"] = "image/svg+xml",
        [".png"] = "image/png", [".jpg"] = "image/jpeg", [".jpeg"] = "image/jpeg", [".gif"] = "image/gif",
        [".webp"] = "image/webp", [".bmp"] = "image/bmp", [".ico"] = "image/vnd.microsoft.icon", [".tif"] = "image/tiff",
        [".tiff"] = "image/tiff", [".avif"] = "image/avif", [".heic"] = "image/heic",
        [".mp3"] = "audio/mpeg", [".wav"] = "audio/wav", [".ogg"] = "audio/ogg", [".flac"] = "audio/flac", [".m4a"] = "audio/mp4",
        [".mp4"] = "video/mp4", [".m4v"] = "video/mp4", [".mov"] = "video/quicktime", [".webm"] = "video/webm",
        [".avi"] = "video/x-msvideo", [".mkv"] = "video/x-matroska",
        [".pdf"] = "application/pdf", [".zip"] = "application/zip", [".gz"] = "application/gzip", [".tgz"] = "application/gzip",
        [".tar"] = "application/x-tar", [".7z"] = "application/x-7z-compressed", [".bz2"] = "application/x-bzip2",
        [".xz"] = "application/x-xz", [".zst"] = "application/zstd",
        [".doc"] = "application/msword", [".docx"] = "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        [".xls"] = "application/vnd.ms-excel", [".xlsx"] = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        [".ppt"] = "application/vnd.ms-powerpoint", [".pptx"] = "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        [".odt"] = "application/vnd.oasis.opendocument.text", [".ods"] = "application/vnd.oasis.opendocument.spreadsheet",
        [".rtf"] = "application/rtf", [".epub"] = "application/epub+zip",
        [".woff"] = "font/woff", [".woff2"] = "font/woff2", [".ttf"] = "font/ttf", [".otf"] = "font/otf",
        [".wasm"] = "application/wasm", [".parquet"] = "application/vnd.apache.parquet", [".avro"] = "application/avro",
        [".bin"] = Default, [".exe"] = "application/vnd.microsoft.portable-executable", [".dll"] = "application/vnd.microsoft.portable-executable",
        [".msi"] = "application/x-msi", [".deb"] = "application/vnd.debian.binary-package", [".rpm"] = "application/x-rpm",
        [".iso"] = "application/x-iso9660-image", [".sql"] = "application/sql", [".sh"] = "application/x-sh",
    };

    /// <summary>The MIME type for a file name or key, from its extension; <see cref="Default"/> when unknown.</summary>
    public static string FromName(string nameOrKey)
    {
        var slash = nameOrKey.LastIndexOfAny(['/', '\\']);
        var name = slash < 0 ? nameOrKey : nameOrKey[(slash + 1)..];
        var dot = name.LastIndexOf('.');
        if (dot < 0) return Default;
        return ByExtension.TryGetValue(name[dot..], out var type) ? type : Default;
    }
}
