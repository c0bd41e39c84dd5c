// One emulator serves every test here, and the memory-bound test measures allocations process-wide:
// the tests of this assembly run one at a time.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
