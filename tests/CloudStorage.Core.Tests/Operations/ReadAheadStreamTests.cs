using CloudStorage.Core.Transfer;

namespace CloudStorage.Core.Tests.Operations;

public class ReadAheadStreamTests
{
    [Theory]
    [InlineData(0, 16)]
    [InlineData(1, 16)]
    [InlineData(16, 16)]
    [InlineData(17, 16)]
    [InlineData(100_000, 4096)]
    public async Task Yields_exactly_the_source_bytes_across_chunk_boundaries(int size, int chunk)
    {
        var data = new byte[size]; new Random(size).NextBytes(data);
        await using var ahead = new ReadAheadStream(new NonSeekableStream(data), chunk, depth: 2);
        var copy = new MemoryStream();
        var buffer = new byte[chunk / 3 + 1]; // reads smaller than a chunk, not aligned to it
        int n;
        while ((n = await ahead.ReadAsync(buffer)) > 0) copy.Write(buffer, 0, n);
        Assert.Equal(data, copy.ToArray());
        Assert.Equal(0, await ahead.ReadAsync(buffer)); // stays at the end
    }

    [Fact]
    public async Task A_source_failure_surfaces_on_the_consumers_read()
    {
        await using var ahead = new ReadAheadStream(new FailingStream(after: 10), 4, depth: 2);
        var buffer = new byte[4];
        var ex = await Assert.ThrowsAsync<IOException>(async () => { while (await ahead.ReadAsync(buffer) > 0) { } });
        Assert.Equal("disk gone", ex.Message);
    }

    [Fact]
    public async Task Prefetch_is_bounded_by_the_depth()
    {
        var source = new CountingStream(new byte[1000]);
        await using var ahead = new ReadAheadStream(source, 10, depth: 2);
        // With nobody reading, the producer fills depth queued chunks plus one waiting to be queued, then stops.
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (source.BytesRead < 30 && DateTime.UtcNow < deadline) await Task.Delay(10);
        Assert.Equal(30, source.BytesRead);
        await Task.Delay(200);
        Assert.Equal(30, source.BytesRead); // and goes no further
    }

    private sealed class FailingStream(int after) : Stream
    {
        private int _given;
        public override int Read(byte[] buffer, int offset, int count)
        {
            if (_given >= after) throw new IOException("disk gone");
            var n = Math.Min(count, after - _given);
            _given += n;
            return n;
        }
        public override bool CanRead => true; public override bool CanSeek => false; public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }

    private sealed class CountingStream(byte[] data) : Stream
    {
        private readonly MemoryStream _inner = new(data);
        private long _bytesRead;
        public long BytesRead => Interlocked.Read(ref _bytesRead);
        public override int Read(byte[] buffer, int offset, int count) { var n = _inner.Read(buffer, offset, count); Interlocked.Add(ref _bytesRead, n); return n; }
        public override bool CanRead => true; public override bool CanSeek => false; public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
