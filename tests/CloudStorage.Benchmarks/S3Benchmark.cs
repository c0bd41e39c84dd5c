using CloudStorage.Core.Addressing;

namespace CloudStorage.Benchmarks;

/// <summary>
/// The S3 emulator (s3rver): the engine against rclone's s3 backend and the AWS CLI, each with its default settings.
/// </summary>
internal sealed class S3Benchmark : EmulatorBenchmark
{
    protected override string Emulator => "s3";

    protected override string PortVariable => "S3_EMULATOR_PORT";

    protected override void RegisterTarget(ProviderRegistry registry, IReadOnlyDictionary<string, string> env) =>
        // Credentials: AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY of the emulator, in this process's environment.
        registry.Register("bench", $"s3://{env["S3_EMULATOR_BUCKET"]}/",
            new Dictionary<string, string> { ["endpoint"] = env["S3_EMULATOR_ENDPOINT"], ["region"] = "us-east-1" });

    protected override IEnumerable<Peer> Peers(IReadOnlyDictionary<string, string> env)
    {
        var (endpoint, bucket) = (env["S3_EMULATOR_ENDPOINT"], env["S3_EMULATOR_BUCKET"]);
        var (accessKey, secretKey) = (env["AWS_ACCESS_KEY_ID"], env["AWS_SECRET_ACCESS_KEY"]);
        yield return new Peer("rclone", "rclone", "copyto --no-check-dest", name => $":s3:{bucket}/{name}", new Dictionary<string, string>
        {
            ["RCLONE_S3_PROVIDER"] = "Other", ["RCLONE_S3_ENDPOINT"] = endpoint, ["RCLONE_S3_REGION"] = "us-east-1",
            ["RCLONE_S3_ACCESS_KEY_ID"] = accessKey, ["RCLONE_S3_SECRET_ACCESS_KEY"] = secretKey, ["RCLONE_S3_FORCE_PATH_STYLE"] = "true",
        });
        yield return new Peer("aws-cli", "aws", $"s3 cp --only-show-errors --endpoint-url {endpoint}", name => $"s3://{bucket}/{name}", new Dictionary<string, string>
        {
            ["AWS_ACCESS_KEY_ID"] = accessKey, ["AWS_SECRET_ACCESS_KEY"] = secretKey, ["AWS_DEFAULT_REGION"] = "us-east-1",
        });
    }
}
