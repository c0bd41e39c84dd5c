using CloudStorage.Core.Addressing;
using CloudStorage.Core.Errors;

namespace CloudStorage.Core.Tests.Addressing;

public class KeyRulesTests
{
    [Theory]
    [InlineData("a", "b", -1)]
    [InlineData("a/b", "a-b", 1)]      // '/' (0x2F) after '-' (0x2D)
    [InlineData("abc", "ab", 1)]
    [InlineData("\uFF5E", "\U0001F600", -1)] // code point order, not UTF-16 order
    [InlineData("é", "é", 0)]
    public void KeyComparer_orders_by_utf8_bytes(string a, string b, int sign) =>
        Assert.Equal(sign, Math.Sign(KeyComparer.Instance.Compare(a, b)));

    [Fact]
    public void KeyComparer_agrees_with_byte_comparison_of_utf8_on_random_keys()
    {
        var rng = new Random(42);
        string Rand() => string.Concat(Enumerable.Range(0, rng.Next(1, 6)).Select(_ => rng.Next(4) switch
        {
            0 => ((char)rng.Next(0x20, 0x7F)).ToString(),
            1 => ((char)rng.Next(0xA0, 0x800)).ToString(),
            2 => ((char)rng.Next(0xE000, 0xFFFD)).ToString(),
            _ => char.ConvertFromUtf32(rng.Next(0x10000, 0x10FFFF)),
        }));
        for (var i = 0; i < 2000; i++)
        {
            var a = Rand(); var b = Rand();
            var expected = Math.Sign(System.Text.Encoding.UTF8.GetBytes(a).AsSpan().SequenceCompareTo(System.Text.Encoding.UTF8.GetBytes(b)));
            Assert.Equal(expected, Math.Sign(KeyComparer.Instance.Compare(a, b)));
        }
    }

    [Theory]
    [InlineData("")]
    [InlineData("/leading")]
    [InlineData("trailing/")]
    [InlineData("nul\0char")]
    [InlineData("tab\tchar")]
    public void Invalid_object_keys_are_refused(string key)
    {
        var ex = Assert.Throws<StorageException>(() => KeyValidator.ValidateObjectKey(key, "p"));
        Assert.Equal(StorageErrorKind.InvalidKey, ex.Kind);
        Assert.False(ex.Message.Contains('\0'), "control characters are escaped in messages");
    }

    [Fact]
    public void An_unpaired_surrogate_is_refused()
    {
        var key = "lone" + (char)0xD800;
        Assert.Equal(StorageErrorKind.InvalidKey, Assert.Throws<StorageException>(() => KeyValidator.ValidateObjectKey(key, "p")).Kind);
    }

    [Fact]
    public void Keys_longer_than_1024_utf8_bytes_are_refused()
    {
        KeyValidator.ValidateObjectKey(new string('a', 1024), "p");
        Assert.Throws<StorageException>(() => KeyValidator.ValidateObjectKey(new string('é', 513), "p"));
    }

    [Theory]
    [InlineData("a/../b")]
    [InlineData("..")]
    [InlineData("./a")]
    [InlineData("a//b")]
    [InlineData(@"a\b")]
    public void Path_segment_rules_refuse_escapes_and_empty_segments(string key)
    {
        var ex = Assert.Throws<StorageException>(() => KeyValidator.ValidatePathSegments(key, "local"));
        Assert.Equal(StorageErrorKind.InvalidKey, ex.Kind);
        Assert.Equal("local", ex.Provider);
    }

    [Theory]
    [InlineData("*.log", "app.log", true)]
    [InlineData("*.log", "app.LOG", true)]
    [InlineData("a?c", "abc", true)]
    [InlineData("a?c", "abbc", false)]
    [InlineData("[ab]*", "bz", true)]
    [InlineData("[ab]*", "cz", false)]
    [InlineData("a`*", "a*", true)]
    [InlineData("a`*", "ab", false)]
    public void Wildcards_match_like_PowerShell(string pattern, string text, bool match) =>
        Assert.Equal(match, Wildcard.ToRegex(pattern).IsMatch(text));
}
