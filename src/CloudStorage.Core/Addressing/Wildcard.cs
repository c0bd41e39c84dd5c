using System.Text;
using System.Text.RegularExpressions;

namespace CloudStorage.Core.Addressing;

/// <summary>PowerShell-style wildcards (<c>*</c>, <c>?</c>, <c>[abc]</c>, backtick escapes), case-insensitive.</summary>
internal static class Wildcard
{
    /// <summary>True when the text contains an unescaped wildcard character.</summary>
    public static bool ContainsWildcard(string text)
    {
        for (int i = 0; i < text.Length; i++)
        {
            if (text[i] == '`') { i++; continue; }
            if (text[i] is '*' or '?' or '[') return true;
        }
        return false;
    }

    /// <summary>A regex matching the whole text against the pattern.</summary>
    public static Regex ToRegex(string pattern)
    {
        var sb = new StringBuilder("^");
        for (int i = 0; i < pattern.Length; i++)
        {
            var c = pattern[i];
            switch (c)
            {
                case '`' when i + 1 < pattern.Length: sb.Append(Regex.Escape(pattern[++i].ToString())); break;
                case '*': sb.Append(".*"); break;
                case '?': sb.Append('.'); break;
                case '[':
                    var close = pattern.IndexOf(']', i + 1);
                    if (close < 0) { sb.Append(@"\["); break; }
                    sb.Append('[').Append(pattern[(i + 1)..close].Replace(@"\", @"\\")).Append(']');
                    i = close;
                    break;
                default: sb.Append(Regex.Escape(c.ToString())); break;
            }
        }
        return new Regex(sb.Append('$').ToString(), RegexOptions.IgnoreCase | RegexOptions.Singleline | RegexOptions.CultureInvariant);
    }
}
