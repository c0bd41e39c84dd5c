using System.Text;
using CloudStorage.Core.Addressing;
using CloudStorage.Core.Model;
using CloudStorage.Core.Providers.Memory;

namespace CloudStorage.Core.Tests.Operations;

/// <summary>Fresh memory stores and helpers for engine tests.</summary>
internal static class Mem
{
    public static MemoryStorageProvider Store(string? name = null) => new(name ?? "t" + Guid.NewGuid().ToString("N")[..8]);

    public static StorageLocation At(this MemoryStorageProvider p, string key) => new(p, key);

    /// <summary>A store that exists (it was written to) and holds nothing: a sync source that is empty, not missing.</summary>
    public static async Task<MemoryStorageProvider> EmptyStoreAsync()
    {
        var store = Store();
        await store.PutAsync("gone", "x");
        await store.DeleteAsync("gone");
        return store;
    }

    public static async Task PutAsync(this MemoryStorageProvider p, string key, string text, DateTimeOffset? mtime = null, IReadOnlyDictionary<string, string>? metadata = null) =>
        await p.WriteAsync(key, new MemoryStream(Encoding.UTF8.GetBytes(text)), new WriteOptions { ModifiedTime = mtime, Metadata = metadata });

    public static async Task<string> TextAsync(this global::CloudStorage.Core.Providers.IStorageProvider p, string key)
    {
        await using var s = await p.OpenReadAsync(key);
        return await new StreamReader(s).ReadToEndAsync();
    }

    public static async Task<List<T>> ToListAsync<T>(this IAsyncEnumerable<T> items)
    {
        var list = new List<T>();
        await foreach (var i in items) list.Add(i);
        return list;
    }
}
