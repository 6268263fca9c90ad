using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using NextGenCrm.EdgeAgent.Configuration;
using NextGenCrm.EdgeAgent.Delivery;

namespace NextGenCrm.EdgeAgent.Tests;

public sealed class SightingBufferTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("edge-buffer-").FullName;

    private SightingBuffer Open(long maxBytes = 1 << 20, long segmentBytes = 64 * 1024) =>
        new(new BufferOptions { Directory = _directory, MaxBytes = maxBytes, SegmentBytes = segmentBytes }, NullLogger<SightingBuffer>.Instance);

    private static byte[] Record(int n) => Encoding.UTF8.GetBytes($"{{\"n\":{n},\"pad\":\"{new string('x', 200)}\"}}");

    private static int Number(byte[] record) => int.Parse(Encoding.UTF8.GetString(record).Split(':')[1].Split(',')[0], System.Globalization.CultureInfo.InvariantCulture);

    [Fact]
    public void Sightings_come_out_in_the_order_they_went_in_across_segments_and_restarts()
    {
        using (var buffer = Open(segmentBytes: 4096))
        {
            for (var i = 0; i < 100; i++)
            {
                buffer.Append(Record(i));
            }
            var first = buffer.Read(30, long.MaxValue);
            buffer.Acknowledge(first, 30);
            Assert.Equal(70, buffer.Depth);
        }

        using var reopened = Open(segmentBytes: 4096);
        Assert.Equal(70, reopened.Depth);
        var rest = reopened.Read(1000, long.MaxValue);
        Assert.Equal(Enumerable.Range(30, 70), rest.Records.Select(Number));
        reopened.Acknowledge(rest, rest.Count);
        Assert.Equal(0, reopened.Depth);
        // Delivered segments are deleted, only the one being written remains.
        Assert.Single(Directory.GetFiles(_directory, "*.seg"));
    }

    [Fact]
    public void A_partly_acknowledged_batch_is_read_again_from_the_first_unacknowledged_sighting()
    {
        using var buffer = Open();
        for (var i = 0; i < 10; i++)
        {
            buffer.Append(Record(i));
        }
        var batch = buffer.Read(10, long.MaxValue);
        buffer.Acknowledge(batch, 4);

        Assert.Equal(Enumerable.Range(4, 6), buffer.Read(10, long.MaxValue).Records.Select(Number));
    }

    [Fact]
    public void When_full_the_oldest_sightings_are_dropped_and_counted()
    {
        using var buffer = Open(maxBytes: 16 * 1024, segmentBytes: 4096);
        for (var i = 0; i < 200; i++)
        {
            buffer.Append(Record(i));
        }

        Assert.InRange(buffer.Bytes, 1, 16 * 1024);
        Assert.True(buffer.Dropped > 0);
        Assert.Equal(200, buffer.Depth + buffer.Dropped);
        var kept = buffer.Read(1000, long.MaxValue).Records.Select(Number).ToList();
        Assert.Equal(Enumerable.Range(200 - kept.Count, kept.Count), kept); // the newest survive, in order
    }

    [Fact]
    public void A_torn_write_at_the_end_is_discarded_on_restart()
    {
        using (var buffer = Open())
        {
            for (var i = 0; i < 5; i++)
            {
                buffer.Append(Record(i));
            }
        }
        // What a power cut in the middle of a write leaves behind: half a record.
        var segment = Directory.GetFiles(_directory, "*.seg").Single();
        var half = File.ReadAllBytes(segment).AsSpan(0, 120).ToArray();
        using (var file = new FileStream(segment, FileMode.Append))
        {
            file.Write(half);
        }

        using var reopened = Open();
        Assert.Equal(5, reopened.Depth);
        reopened.Append(Record(5));
        Assert.Equal(Enumerable.Range(0, 6), reopened.Read(100, long.MaxValue).Records.Select(Number));
    }

    [Fact]
    public void A_batch_is_cut_at_the_byte_limit_but_always_holds_one_sighting()
    {
        using var buffer = Open();
        for (var i = 0; i < 10; i++)
        {
            buffer.Append(Record(i));
        }

        Assert.Equal(1, buffer.Read(10, 1).Count);
        Assert.Equal(3, buffer.Read(10, 3 * Record(0).Length).Count);
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
