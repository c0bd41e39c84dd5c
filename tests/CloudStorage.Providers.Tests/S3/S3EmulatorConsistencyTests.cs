using System.Security.Cryptography;
using Amazon.S3;
using Amazon.S3.Model;
using CloudStorage.Providers.Tests.Emulator;

namespace CloudStorage.Providers.Tests.S3;

// The emulator itself must be as atomic per object as S3, or the suite's concurrency cases flake: s3rver keeps an
// object's content, ETag and metadata in separate files, which the project's patch commits under a per-key lock.
// These cases race raw SDK requests on one key and check that what is stored belongs to exactly one of them.
[Collection(S3EmulatorCollection.Name)]
public sealed class S3EmulatorConsistencyTests(S3EmulatorFixture emulator) : IAsyncLifetime
{
    private const int MiB = 1024 * 1024;
    private string _bucket = "";
    private IAmazonS3 _client = null!;

    public async Task InitializeAsync()
    {
        _bucket = await emulator.CreateBucketAsync("race");
        _client = emulator.CreateClient();
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await emulator.DeleteBucketAsync(_bucket);
    }

    private static byte[] Body(int size, int seed)
    {
        var bytes = new byte[size];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    private static string Md5Hex(byte[] data) => Convert.ToHexString(MD5.HashData(data)).ToLowerInvariant();

    private async Task<string> PutAsync(string key, byte[] body, string origin)
    {
        var request = new PutObjectRequest { BucketName = _bucket, Key = key, InputStream = new MemoryStream(body) };
        request.Metadata.Add("origin", origin);
        return (await _client.PutObjectAsync(request)).ETag.Trim('"');
    }

    private async Task<string> PutMultipartAsync(string key, byte[] body, string origin)
    {
        var create = new InitiateMultipartUploadRequest { BucketName = _bucket, Key = key };
        create.Metadata.Add("origin", origin);
        var uploadId = (await _client.InitiateMultipartUploadAsync(create)).UploadId;
        var etags = new List<PartETag>();
        for (int offset = 0, number = 1; offset < body.Length; offset += 5 * MiB, number++)
        {
            var count = Math.Min(5 * MiB, body.Length - offset);
            var part = await _client.UploadPartAsync(new UploadPartRequest
            {
                BucketName = _bucket, Key = key, UploadId = uploadId, PartNumber = number, PartSize = count,
                InputStream = new MemoryStream(body, offset, count),
            });
            etags.Add(new PartETag(number, part.ETag));
        }
        var complete = new CompleteMultipartUploadRequest { BucketName = _bucket, Key = key, UploadId = uploadId };
        complete.AddPartETags(etags);
        return (await _client.CompleteMultipartUploadAsync(complete)).ETag.Trim('"');
    }

    private async Task<(byte[] Body, string ETag, string Origin)> GetAsync(string key)
    {
        using var response = await _client.GetObjectAsync(new GetObjectRequest { BucketName = _bucket, Key = key });
        var buffer = new MemoryStream();
        await response.ResponseStream.CopyToAsync(buffer);
        return (buffer.ToArray(), response.ETag.Trim('"'), response.Metadata["origin"]);
    }

    [Fact]
    public async Task Sixteen_concurrent_PUTs_to_one_key_leave_the_body_ETag_and_metadata_of_one_of_them()
    {
        var bodies = Enumerable.Range(0, 16).Select(i => Body(100_000 + i * 7919, seed: i)).ToArray();

        var etags = await Task.WhenAll(bodies.Select((b, i) => Task.Run(() => PutAsync("contended.bin", b, i.ToString()))));

        for (var i = 0; i < bodies.Length; i++) Assert.Equal(Md5Hex(bodies[i]), etags[i]);
        var (body, etag, origin) = await GetAsync("contended.bin");
        var winner = int.Parse(origin);
        Assert.Equal(bodies[winner], body);
        Assert.Equal(Md5Hex(body), etag);
        var head = await _client.GetObjectMetadataAsync(_bucket, "contended.bin");
        Assert.Equal(etag, head.ETag.Trim('"'));
        Assert.Equal(body.Length, head.ContentLength);
    }

    [Fact]
    public async Task Concurrent_multipart_and_single_PUTs_to_one_key_leave_the_ETag_of_the_upload_whose_body_is_stored()
    {
        var bodies = Enumerable.Range(0, 6).Select(i => Body(5 * MiB + 1000 * (i + 1), seed: 40 + i)).ToArray();

        var etags = await Task.WhenAll(bodies.Select((b, i) => Task.Run(() =>
            i % 2 == 0 ? PutMultipartAsync("mixed.bin", b, i.ToString()) : PutAsync("mixed.bin", b, i.ToString()))));

        var (body, etag, origin) = await GetAsync("mixed.bin");
        var winner = int.Parse(origin);
        Assert.Equal(bodies[winner], body);
        Assert.Equal(etags[winner], etag);
        if (winner % 2 == 0) Assert.EndsWith("-2", etag); // a multipart ETag, not the body's MD5
        else Assert.Equal(Md5Hex(body), etag);
    }

    [Fact]
    public async Task Readers_racing_PUTs_to_one_key_always_get_a_body_that_matches_the_ETag_they_are_given()
    {
        var bodies = Enumerable.Range(0, 8).Select(i => Body(300_000 + i * 13, seed: 80 + i)).ToArray();
        await PutAsync("read-race.bin", bodies[0], "0");

        var writers = bodies.Skip(1).Select((b, i) => Task.Run(() => PutAsync("read-race.bin", b, (i + 1).ToString())));
        var readers = Enumerable.Range(0, 12).Select(_ => Task.Run(() => GetAsync("read-race.bin"))).ToArray();
        await Task.WhenAll(writers.Cast<Task>().Concat(readers));

        foreach (var (body, etag, origin) in readers.Select(r => r.Result))
        {
            Assert.Equal(bodies[int.Parse(origin)], body);
            Assert.Equal(Md5Hex(body), etag);
        }
    }
}
