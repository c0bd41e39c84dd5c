using System.Text.RegularExpressions;

namespace CloudStorage.PowerShell.Tests;

/// <summary>
/// Just enough of a .psd1 reader for a manifest: <c>Key = 'value'</c> and <c>Key = @('a', 'b')</c>, comments ignored.
/// It reads single-quoted strings only, which is what our manifest uses.
/// </summary>
internal sealed partial class PowerShellDataFile
{
    private readonly string _text;

    private PowerShellDataFile(string text) => _text = text;

    public static PowerShellDataFile Load(string path)
    {
        var text = File.ReadAllText(path);
        text = BlockComment().Replace(text, "");
        text = string.Join('\n', text.Split('\n').Select(StripLineComment));
        return new PowerShellDataFile(text);
    }

    /// <summary>The single-quoted value of <paramref name="key"/>, or null when the key is absent.</summary>
    public string? GetString(string key)
    {
        var matches = Regex.Matches(_text, $@"(?m)^\s*{Regex.Escape(key)}\s*=\s*'((?:[^']|'')*)'");
        Assert.True(matches.Count <= 1, $"The manifest sets {key} more than once.");
        return matches.Count == 0 ? null : matches[0].Groups[1].Value.Replace("''", "'");
    }

    /// <summary>The values of <paramref name="key"/>: an @(...) list or one string; empty when absent.</summary>
    public IReadOnlyList<string> GetStrings(string key)
    {
        var list = Regex.Match(_text, $@"(?ms)^\s*{Regex.Escape(key)}\s*=\s*@\((.*?)\)");
        if (list.Success)
            return QuotedString().Matches(list.Groups[1].Value).Select(m => m.Groups[1].Value.Replace("''", "'")).ToList();
        var single = GetString(key);
        return single is null ? [] : [single];
    }

    // Drops a '#' comment unless the '#' is inside a single-quoted string.
    private static string StripLineComment(string line)
    {
        var inString = false;
        for (var i = 0; i < line.Length; i++)
        {
            if (line[i] == '\'') inString = !inString;
            else if (line[i] == '#' && !inString) return line[..i];
        }
        return line;
    }

    [GeneratedRegex(@"<#.*?#>", RegexOptions.Singleline)]
    private static partial Regex BlockComment();

    [GeneratedRegex(@"'((?:[^']|'')*)'")]
    private static partial Regex QuotedString();
}
