using CloudStorage.Model;
using CloudStorage.Providers.Memory;

namespace CloudStorage.Tests;

public class MemoryProviderSmokeTests
{
    [Fact]
    public async Task Memory_round_trip_returns_the_written_bytes()
    {
        var p = new MemoryStorageProvider("smoke");
        await p.WriteAsync("a/b.txt", new MemoryStream("hi"u8.ToArray()), WriteOptions.Default);
        using var s = await p.OpenReadAsync("a/b.txt");
        Assert.Equal("hi", new StreamReader(s).ReadToEnd());
    }
}
