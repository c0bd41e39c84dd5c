using CloudStorage.Core.Addressing;
using CloudStorage.Core.Errors;

namespace CloudStorage.Core.Tests.Addressing;

public class StorageUriTests
{
    [Theory]
    [InlineData("s3://bucket/logs/a.txt", "s3", null, "bucket", "logs/a.txt")]
    [InlineData("S3://bucket", "s3", null, "bucket", "")]
    [InlineData("gs://b/my report.pdf", "gs", null, "b", "my report.pdf")]
    [InlineData("az://acct/cont/dir/blob", "az", "acct", "cont", "dir/blob")]
    [InlineData("az://acct/cont", "az", "acct", "cont", "")]
    [InlineData("mem://store/k%20ey", "mem", null, "store", "k%20ey")]
    public void Cloud_addresses_parse_into_scheme_container_and_verbatim_key(string text, string scheme, string? account, string container, string key)
    {
        var u = StorageUri.Parse(text);
        Assert.Equal(AddressKind.Cloud, u.Kind);
        Assert.Equal(scheme, u.Scheme);
        Assert.Equal(account, u.Account);
        Assert.Equal(container, u.Container);
        Assert.Equal(key, u.Key);
    }

    [Theory]
    [InlineData("backup:reports/q1.pdf", "backup", "reports/q1.pdf")]
    [InlineData("my-store.v2:", "my-store.v2", "")]
    [InlineData("bk:a:b", "bk", "a:b")]
    public void Named_addresses_have_a_name_of_two_or_more_characters(string text, string name, string key)
    {
        var u = StorageUri.Parse(text);
        Assert.Equal(AddressKind.Named, u.Kind);
        Assert.Equal(name, u.ProviderName);
        Assert.Equal(key, u.Key);
    }

    [Theory]
    [InlineData(@"C:\data\x.txt", @"C:\data\x.txt")]
    [InlineData("/tmp/x", "/tmp/x")]
    [InlineData("./rel/file", "./rel/file")]
    [InlineData("file:///srv/data/a%20b.txt", "/srv/data/a%20b.txt")]
    [InlineData("file:///srv/data/a b.txt", "/srv/data/a b.txt")]
    [InlineData("file:///C:/data", "C:/data")]
    [InlineData("file://localhost/etc/hosts", "/etc/hosts")]
    public void Local_paths_and_file_uris_are_local(string text, string path)
    {
        var u = StorageUri.Parse(text);
        Assert.Equal(AddressKind.LocalPath, u.Kind);
        Assert.Equal(path, u.LocalPath);
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("ftp://host/x")]
    [InlineData("s3:///key")]
    [InlineData("az://acct")]
    [InlineData("file://relative/path")]
    public void Malformed_addresses_are_InvalidKey(string text)
    {
        var ex = Assert.Throws<StorageException>(() => StorageUri.Parse(text));
        Assert.Equal(StorageErrorKind.InvalidKey, ex.Kind);
    }
}
