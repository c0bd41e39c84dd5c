using CloudStorage.Core.Addressing;

namespace CloudStorage.Benchmarks;

/// <summary>
/// The GCS emulator (firebase-tools' storage emulator behind the project's wrapper): the engine against rclone's gcs
/// backend with its default settings, anonymous, its endpoint pointed at the emulator's JSON API.
/// </summary>
internal sealed class GcsBenchmark : EmulatorBenchmark
{
    protected override string Emulator => "gcs";

    protected override string PortVariable => "GCS_EMULATOR_PORT";

    protected override void RegisterTarget(ProviderRegistry registry, IReadOnlyDictionary<string, string> env) =>
        registry.Register("bench", $"gs://{env["GCS_EMULATOR_BUCKET"]}/",
            new Dictionary<string, string> { ["emulator-host"] = env["STORAGE_EMULATOR_HOST"] });

    protected override IEnumerable<Peer> Peers(IReadOnlyDictionary<string, string> env)
    {
        var bucket = env["GCS_EMULATOR_BUCKET"];
        yield return new Peer("rclone", "rclone", "copyto --no-check-dest", name => $":gcs:{bucket}/{name}", new Dictionary<string, string>
        {
            ["RCLONE_GCS_ANONYMOUS"] = "true", ["RCLONE_GCS_ENDPOINT"] = env["STORAGE_EMULATOR_HOST"].TrimEnd('/') + "/storage/v1/",
        });
    }
}
