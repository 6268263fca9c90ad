using NextGenCrm.Contracts;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using NextGenCrm.EdgeAgent.Configuration;
using NextGenCrm.EdgeAgent.Delivery;

namespace NextGenCrm.EdgeAgent.Tests;

/// <summary>
/// The buffer keeps each sighting's JSON as it is sent. These are records exactly as agents before the shared
/// contract wrote them: an upgraded agent must read them from its buffer and write new ones byte for byte alike.
/// </summary>
public sealed class SightingWireFormatTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("edge-wire-").FullName;

    public static TheoryData<string> RecordsOfEarlierAgents => new()
    {
        """{"sightingId":"s-0001","branchId":"b001","cameraId":"door","trackId":"t-1","capturedAt":"2026-11-30T10:15:00.123+00:00","image":"/9j/4AAQSkZJRg=="}""",
        """{"sightingId":"s-0002","branchId":"b001","cameraId":"lobby","trackId":"t-2","capturedAt":"2026-11-30T10:15:01+01:00","faceDescriptor":[0.125,-0.5,0.0625,1E-07],"sameTrackAs":{"cameraId":"door","trackId":"t-1"}}""",
        """{"sightingId":"s-0003","branchId":"b001","cameraId":"door","trackId":"t-3","capturedAt":"2026-11-30T10:15:02+00:00","faceToken":"person-3"}""",
        """{"sightingId":"s-0004","branchId":"b001","cameraId":"door","trackId":"t-4","capturedAt":"2026-11-30T10:15:03+00:00","imageRef":"DeepLens Images/b001/door/2026-11-30/s-0004.jpg"}""",
    };

    [Theory]
    [MemberData(nameof(RecordsOfEarlierAgents))]
    public void A_record_buffered_by_an_earlier_agent_is_read_after_the_upgrade_and_written_back_byte_for_byte(string earlier)
    {
        using (var before = Open())
        {
            Assert.True(before.Append(Encoding.UTF8.GetBytes(earlier)));
        }

        using var after = Open();
        var batch = after.Read(10, long.MaxValue);
        var record = Assert.Single(batch.Records);
        var sighting = JsonSerializer.Deserialize(record, EdgeJson.Default.SightingRequest);

        Assert.NotNull(sighting);
        Assert.StartsWith("s-000", sighting.SightingId, StringComparison.Ordinal);
        Assert.Equal("b001", sighting.BranchId);
        Assert.Equal(1, (sighting.Image is null ? 0 : 1) + (sighting.ImageRef is null ? 0 : 1) + (sighting.FaceToken is null ? 0 : 1) + (sighting.FaceDescriptor is null ? 0 : 1));
        Assert.Equal(earlier, Encoding.UTF8.GetString(JsonSerializer.SerializeToUtf8Bytes(sighting, EdgeJson.Default.SightingRequest)));
    }

    [Fact]
    public void The_descriptor_travels_as_an_array_of_numbers_and_the_earlier_track_as_an_object()
    {
        var sighting = JsonSerializer.Deserialize(RecordsOfEarlierAgents.ElementAt(1).Data, EdgeJson.Default.SightingRequest)!;

        Assert.Equal([0.125f, -0.5f, 0.0625f, 1e-7f], sighting.FaceDescriptor ?? []);
        Assert.Equal("door", sighting.SameTrackAs?.CameraId);
        Assert.Equal("t-1", sighting.SameTrackAs?.TrackId);
        Assert.Equal(new DateTimeOffset(2026, 11, 30, 10, 15, 1, TimeSpan.FromHours(1)), sighting.CapturedAt);
    }

    private SightingBuffer Open() =>
        new(new BufferOptions { Directory = _directory, MaxBytes = 1 << 20, SegmentBytes = 64 * 1024 }, NullLogger<SightingBuffer>.Instance);

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
