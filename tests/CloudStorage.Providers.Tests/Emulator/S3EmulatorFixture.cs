using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using CloudStorage.Providers.S3;

namespace CloudStorage.Providers.Tests.Emulator;

/// <summary>The tests that need the S3 emulator share one, started by <see cref="S3EmulatorFixture"/>.</summary>
[CollectionDefinition(Name)]
public sealed class S3EmulatorCollection : ICollectionFixture<S3EmulatorFixture>
{
    public const string Name = "S3 emulator";
}

/// <summary>The S3 emulator (@20minutes/s3rver with the project's fixes) for the S3 tests.</summary>
public sealed class S3EmulatorFixture() : EmulatorFixture("s3", "S3_EMULATOR_PORT")
{
    public Uri Endpoint { get; private set; } = null!;
    public string AccessKey { get; private set; } = "";
    public string SecretKey { get; private set; } = "";
    public string Region { get; private set; } = "us-east-1";

    /// <summary>The development credentials of the emulator (not secrets).</summary>
    public AWSCredentials Credentials => new BasicAWSCredentials(AccessKey, SecretKey);

    protected override void Configure(IReadOnlyDictionary<string, string> values)
    {
        Endpoint = new Uri(values["S3_EMULATOR_ENDPOINT"]);
        AccessKey = values["AWS_ACCESS_KEY_ID"];
        SecretKey = values["AWS_SECRET_ACCESS_KEY"];
        Region = values.GetValueOrDefault("AWS_REGION", "us-east-1");
    }

    /// <summary>Provider options for <paramref name="bucket"/> on the emulator, with its development credentials.</summary>
    public S3ProviderOptions Options(string bucket) => new()
    {
        Bucket = bucket,
        Endpoint = Endpoint,
        Region = Region,
        Credentials = Credentials,
    };

    /// <summary>A client for test set-up and inspection, configured as the provider configures its own.</summary>
    public IAmazonS3 CreateClient()
    {
        EnsureStarted();
        return new AmazonS3Client(Credentials, S3StorageProvider.CreateConfig(Options("unused")));
    }

    /// <summary>Creates a new, empty bucket with a unique name.</summary>
    public async Task<string> CreateBucketAsync(string prefix = "cs")
    {
        EnsureStarted();
        var name = $"{prefix}-{Guid.NewGuid():N}"[..Math.Min(63, prefix.Length + 33)];
        using var client = CreateClient();
        await client.PutBucketAsync(new PutBucketRequest { BucketName = name });
        return name;
    }

    /// <summary>Deletes every object and upload of a bucket, then the bucket.</summary>
    public async Task DeleteBucketAsync(string bucket)
    {
        if (!Started) return;
        using var client = CreateClient();
        try
        {
            var uploads = await client.ListMultipartUploadsAsync(new ListMultipartUploadsRequest { BucketName = bucket });
            foreach (var u in uploads.MultipartUploads ?? [])
                await client.AbortMultipartUploadAsync(new AbortMultipartUploadRequest { BucketName = bucket, Key = u.Key, UploadId = u.UploadId });
            string? token = null;
            do
            {
                var page = await client.ListObjectsV2Async(new ListObjectsV2Request { BucketName = bucket, ContinuationToken = token });
                foreach (var o in page.S3Objects ?? [])
                    await client.DeleteObjectAsync(new DeleteObjectRequest { BucketName = bucket, Key = o.Key });
                token = page.IsTruncated == true ? page.NextContinuationToken : null;
            }
            while (token is not null);
            await client.DeleteBucketAsync(new DeleteBucketRequest { BucketName = bucket });
        }
        catch (AmazonS3Exception)
        {
            // Best effort: the emulator's data directory goes away when it stops.
        }
    }
}
