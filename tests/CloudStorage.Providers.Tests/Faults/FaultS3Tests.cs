using CloudStorage.Core.Errors;
using CloudStorage.Core.Model;
using CloudStorage.Providers.Common;
using CloudStorage.Providers.Resilience;
using CloudStorage.Providers.S3;
using CloudStorage.Providers.Tests.Emulator;
using Xunit.Abstractions;
using CloudStorage.Core.Providers;

namespace CloudStorage.Providers.Tests.Faults;

/// <summary>The fault-injection suite on S3 (the S3 emulator behind a <see cref="FaultProxy"/>).</summary>
[Collection(S3EmulatorCollection.Name)]
public sealed class FaultS3Tests(S3EmulatorFixture emulator, ITestOutputHelper output) : FaultSuite(output)
{
    protected override Uri Upstream => emulator.Endpoint;

    protected override Task<string> NewContainerAsync() => emulator.CreateBucketAsync("fault");

    protected override Task DeleteContainerAsync(string container) => emulator.DeleteBucketAsync(container);

    protected override IStorageProvider CreateInner(string container, Uri endpoint, HttpTimeouts timeouts, StorageResilienceOptions retry) =>
        new S3StorageProvider(emulator.Options(container) with { Endpoint = endpoint, Timeouts = timeouts, PartRetry = retry });

    [Theory, MemberData(nameof(Kinds))]
    public Task Fault_S3_upload_of_a_folder_stores_every_object_whole(FaultKind kind) => UploadScenarioAsync(SmallSet, KindRate, kind);

    [Theory, MemberData(nameof(Kinds))]
    public Task Fault_S3_download_of_a_prefix_writes_every_file_whole_and_no_partial_file(FaultKind kind) => DownloadScenarioAsync(SmallSet, KindRate, kind);

    [Theory, MemberData(nameof(Kinds))]
    public Task Fault_S3_sync_copies_everything_and_reports_no_failure(FaultKind kind) => SyncScenarioAsync(SmallSet, KindRate, kind);

    [Fact]
    public Task Fault_S3_200_objects_upload_sync_and_download_complete_under_20_percent_mixed_faults() => MixedScenarioAsync();

    protected override bool IsContentRead(string method, string target) => method == "GET" && !target.Contains("list-type", StringComparison.Ordinal);

    protected override string? Secret => emulator.SecretKey;

    [Fact]
    public Task Fault_S3_read_into_memory_of_a_truncated_answer_is_an_integrity_error_never_short_data() => TruncatedReadIsAnErrorScenarioAsync();

    [Fact]
    public Task Fault_S3_read_into_memory_reads_a_truncated_answer_again_and_returns_the_whole_object() => TruncatedReadRecoversScenarioAsync();

    [Fact]
    public Task Fault_S3_read_broken_after_the_object_was_replaced_fails_as_a_conflict_and_never_joins_two_versions() => ReplacedWhileReadIsNotSplicedScenarioAsync();

    [Fact]
    public Task Fault_S3_corrupted_body_is_an_integrity_error_for_memory_reads_and_downloads() => CorruptedReadScenarioAsync();

    [Fact]
    public Task Fault_S3_each_retry_is_one_line_with_operation_address_attempt_delay_and_reason_and_Retry_After_is_honoured() => RetriesAreVisibleScenarioAsync();

    [Fact]
    public Task Fault_S3_sync_killed_half_way_and_run_again_copies_only_the_remainder() => InterruptedSyncResumesScenarioAsync();

    // A completion whose answer was lost (the server had joined the parts) and whose retry then failed another way
    // (an S3-compatible store still busy with the first request answers 500): the object is looked at, and taken as
    // this upload's when its ETag is these parts' multipart ETag. Before, only a NotFound retry was looked into, and
    // the upload failed although the object stood whole (seen with s3rver on 1 GiB uploads under load).
    [Fact]
    public async Task Fault_S3_a_completion_whose_answer_was_lost_and_whose_retry_failed_is_recognised_by_the_multipart_ETag()
    {
        var container = await NewContainerAsync();
        try
        {
            var oneRetry = new StorageResilienceOptions { MaxRetryAttempts = 1, BaseDelay = TimeSpan.FromMilliseconds(10), MaxDelay = TimeSpan.FromMilliseconds(10) };
            var provider = new ResilientStorageProvider(new S3StorageProvider(emulator.Options(container) with
            {
                Endpoint = Proxy.Endpoint, Timeouts = FastTimeouts, PartRetry = oneRetry, MultipartThreshold = S3ProviderOptions.MinPartSize,
            }), oneRetry);
            static bool IsCompletion(string method, string target) =>
                method == "POST" && target.Contains("uploadId=", StringComparison.Ordinal) && !target.Contains("partNumber=", StringComparison.Ordinal);
            Proxy.Plan = new FaultPlan(1.0, [FaultKind.ShortBody], MaxConsecutive: 1000) { Where = IsCompletion };
            var data = new byte[(int)(2.5 * S3ProviderOptions.MinPartSize)];
            new Random(11).NextBytes(data);
            StorageItem item;
            using (RetryLog.Use(line => { if (line.Contains("CompleteMultipartUpload", StringComparison.Ordinal)) Proxy.Plan = new FaultPlan(1.0, [FaultKind.Internal500], MaxConsecutive: 1000) { Where = IsCompletion }; }))
                item = await provider.WriteAsync("lost/answer.bin", new MemoryStream(data), new WriteOptions { Length = data.Length });
            Assert.True(Proxy.Injected.GetValueOrDefault(FaultKind.ShortBody) >= 1, "the first answer was not cut");
            Assert.True(Proxy.Injected.GetValueOrDefault(FaultKind.Internal500) >= 1, "the retry did not fail");
            Assert.EndsWith("-3\"", item.ETag);
            Proxy.Plan = FaultPlan.Off;
            await using var read = await Direct(container).OpenReadAsync("lost/answer.bin");
            var back = new MemoryStream();
            await read.CopyToAsync(back);
            Assert.Equal(data, back.ToArray());
        }
        finally
        {
            await DeleteContainerAsync(container);
        }
    }
}
