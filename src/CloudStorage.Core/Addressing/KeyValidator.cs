using System.Text;
using CloudStorage.Core.Errors;

namespace CloudStorage.Core.Addressing;

/// <summary>Key rules shared by every provider; providers add their own on top.</summary>
public static class KeyValidator
{
    /// <summary>The longest key any supported cloud accepts, in UTF-8 bytes.</summary>
    public const int MaxKeyBytes = 1024;

    /// <summary>
    /// Validates an object key: not empty, not starting with '/', no NUL or control characters, valid UTF-16,
    /// at most 1024 UTF-8 bytes, and (unless <paramref name="allowTrailingSlash"/>) not ending with '/'.
    /// </summary>
    public static void ValidateObjectKey(string key, string provider, bool allowTrailingSlash = false)
    {
        if (string.IsNullOrEmpty(key))
            throw StorageException.InvalidKey(key ?? "", "an object key must not be empty.", provider);
        ValidateCommon(key, provider);
        if (!allowTrailingSlash && key.EndsWith('/'))
            throw StorageException.InvalidKey(key, "an object key must not end with '/'.", provider);
    }

    /// <summary>Validates a listing prefix (may be empty or end with '/').</summary>
    public static void ValidatePrefix(string prefix, string provider)
    {
        if (prefix.Length > 0) ValidateCommon(prefix, provider);
    }

    private static void ValidateCommon(string key, string provider)
    {
        if (key.StartsWith('/'))
            throw StorageException.InvalidKey(key, "a key must not start with '/'.", provider);
        for (int i = 0; i < key.Length; i++)
        {
            var c = key[i];
            if (char.IsControl(c))
                throw StorageException.InvalidKey(key, $"control character U+{(int)c:X4} at position {i} is not allowed.", provider);
            if (char.IsHighSurrogate(c) && (i + 1 >= key.Length || !char.IsLowSurrogate(key[i + 1])) ||
                char.IsLowSurrogate(c) && (i == 0 || !char.IsHighSurrogate(key[i - 1])))
                throw StorageException.InvalidKey(key, $"unpaired surrogate at position {i}.", provider);
        }
        if (Encoding.UTF8.GetByteCount(key) > MaxKeyBytes)
            throw StorageException.InvalidKey(key, $"a key must be at most {MaxKeyBytes} UTF-8 bytes.", provider);
    }

    /// <summary>
    /// Rules for providers that map keys onto a file system: no empty, '.' or '..' segments, no backslash,
    /// and on Windows none of the characters a path cannot hold.
    /// </summary>
    public static void ValidatePathSegments(string key, string provider)
    {
        var trimmed = key.EndsWith('/') ? key[..^1] : key;
        foreach (var segment in trimmed.Split('/'))
        {
            if (segment.Length == 0)
                throw StorageException.InvalidKey(key, "empty path segments ('//') are not allowed here.", provider);
            if (segment is "." or "..")
                throw StorageException.InvalidKey(key, $"'{segment}' segments are not allowed: keys stay under the provider's root.", provider);
            if (segment.Contains('\\'))
                throw StorageException.InvalidKey(key, "backslashes are not allowed; use '/' between segments.", provider);
            if (OperatingSystem.IsWindows() && segment.IndexOfAny(['<', '>', ':', '"', '|', '?', '*']) >= 0)
                throw StorageException.InvalidKey(key, "the characters < > : \" | ? * cannot be stored on this file system.", provider);
        }
    }
}
