using CloudStorage.Providers.Common;
using CloudStorage.Providers.Resilience;
using CloudStorage.Providers.Azure;
using CloudStorage.Providers.Tests.Emulator;
using Xunit.Abstractions;
using CloudStorage.Core.Providers;

namespace CloudStorage.Providers.Tests.Faults;

/// <summary>The fault-injection suite on Azure Blob Storage (Azurite behind a <see cref="FaultProxy"/>).</summary>
[Collection(AzuriteCollection.Name)]
public sealed class FaultAzureTests(AzuriteFixture emulator, ITestOutputHelper output) : FaultSuite(output)
{
    protected override Uri Upstream => emulator.Endpoint;

    protected override Task<string> NewContainerAsync() => emulator.CreateContainerAsync("fault");

    protected override Task DeleteContainerAsync(string container) => emulator.DeleteContainerAsync(container);

    protected override IStorageProvider CreateInner(string container, Uri endpoint, HttpTimeouts timeouts, StorageResilienceOptions retry) =>
        new AzureBlobStorageProvider(emulator.Options(container) with { Endpoint = endpoint, Timeouts = timeouts, PartRetry = retry });

    [Theory, MemberData(nameof(Kinds))]
    public Task Fault_Azure_upload_of_a_folder_stores_every_object_whole(FaultKind kind) => UploadScenarioAsync(SmallSet, KindRate, kind);

    [Theory, MemberData(nameof(Kinds))]
    public Task Fault_Azure_download_of_a_prefix_writes_every_file_whole_and_no_partial_file(FaultKind kind) => DownloadScenarioAsync(SmallSet, KindRate, kind);

    [Theory, MemberData(nameof(Kinds))]
    public Task Fault_Azure_sync_copies_everything_and_reports_no_failure(FaultKind kind) => SyncScenarioAsync(SmallSet, KindRate, kind);

    [Fact]
    public Task Fault_Azure_200_objects_upload_sync_and_download_complete_under_20_percent_mixed_faults() => MixedScenarioAsync();

    protected override bool IsContentRead(string method, string target) =>
        method == "GET" && !target.Contains("comp=", StringComparison.Ordinal) && !target.Contains("restype=", StringComparison.Ordinal);

    protected override string? Secret => emulator.Key;

    [Fact]
    public Task Fault_Azure_read_into_memory_of_a_truncated_answer_is_an_integrity_error_never_short_data() => TruncatedReadIsAnErrorScenarioAsync();

    [Fact]
    public Task Fault_Azure_read_into_memory_reads_a_truncated_answer_again_and_returns_the_whole_object() => TruncatedReadRecoversScenarioAsync();

    [Fact]
    public Task Fault_Azure_read_broken_after_the_object_was_replaced_fails_as_a_conflict_and_never_joins_two_versions() => ReplacedWhileReadIsNotSplicedScenarioAsync();

    [Fact]
    public Task Fault_Azure_corrupted_body_is_an_integrity_error_for_memory_reads_and_downloads() => CorruptedReadScenarioAsync();

    [Fact]
    public Task Fault_Azure_each_retry_is_one_line_with_operation_address_attempt_delay_and_reason_and_Retry_After_is_honoured() => RetriesAreVisibleScenarioAsync();

    [Fact]
    public Task Fault_Azure_sync_killed_half_way_and_run_again_copies_only_the_remainder() => InterruptedSyncResumesScenarioAsync();
}
