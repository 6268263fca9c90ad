using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using NextGenCrm.EdgeAgent.Configuration;
using NextGenCrm.EdgeAgent.Delivery;

namespace NextGenCrm.EdgeAgent.Tests;

/// <summary>
/// The buffered sightings (faces: crops or descriptors) are sealed at rest with AES-GCM: a copy of the segments shows
/// no face, no id, nothing readable without the key; an earlier agent's clear records are still sent; a wrong or
/// missing key stops the agent at start naming the key file, and loses nothing.
/// </summary>
public sealed class BufferSealTests : IDisposable
{
    private const string Face = "/9j/4AAQSkZJRgABAQAAAQABAAD-a-face-crop";

    private readonly string _directory = Directory.CreateTempSubdirectory("edge-seal-").FullName;

    private string KeyFile => Path.Combine(_directory, "buffer.key");

    private SightingBuffer Open(string keyFile = "") =>
        new(new BufferOptions { Directory = _directory, MaxBytes = 1 << 20, SegmentBytes = 64 * 1024, KeyFile = keyFile }, NullLogger<SightingBuffer>.Instance);

    private static byte[] Sighting(int n) => Encoding.UTF8.GetBytes($$"""{"sightingId":"s-{{n}}","branchId":"b001","cameraId":"door","trackId":"t-{{n}}","capturedAt":"2026-12-01T08:00:00Z","image":"{{Face}}"}""");

    private byte[] Segments() => [.. Directory.GetFiles(_directory, "*.seg").Order().SelectMany(File.ReadAllBytes)];

    [Fact]
    public void Buffered_sightings_are_unreadable_on_disk_and_come_back_whole()
    {
        using (var buffer = Open())
        {
            for (var i = 0; i < 3; i++)
            {
                Assert.True(buffer.Append(Sighting(i)));
            }
        }

        var disk = Encoding.Latin1.GetString(Segments());
        Assert.DoesNotContain("sightingId", disk, StringComparison.Ordinal);
        Assert.DoesNotContain("a-face-crop", disk, StringComparison.Ordinal);
        Assert.DoesNotContain("b001", disk, StringComparison.Ordinal);
        using var reopened = Open();
        Assert.Equal(Enumerable.Range(0, 3).Select(Sighting), reopened.Read(10, long.MaxValue).Records);
        Assert.Equal(32, Convert.FromBase64String(File.ReadAllText(KeyFile)).Length);
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(KeyFile));
        }
    }

    [Fact]
    public void Sightings_an_earlier_agent_buffered_in_the_clear_are_still_sent_and_new_ones_are_sealed()
    {
        // What an agent before sealing left on disk: framed JSON records, no key file.
        File.WriteAllBytes(Path.Combine(_directory, "000000000001.seg"), [.. SegmentRecords.Frame(Sighting(0)), .. SegmentRecords.Frame(Sighting(1))]);

        using var buffer = Open();
        Assert.Equal(2, buffer.Depth);
        Assert.True(buffer.Append(Sighting(2)));

        Assert.Equal(Enumerable.Range(0, 3).Select(Sighting), buffer.Read(10, long.MaxValue).Records);
        var disk = Encoding.Latin1.GetString(Segments());
        Assert.Contains("\"sightingId\":\"s-1\"", disk, StringComparison.Ordinal); // the earlier agent's, left as written
        Assert.DoesNotContain("\"sightingId\":\"s-2\"", disk, StringComparison.Ordinal);
    }

    [Fact]
    public void Another_key_stops_the_agent_naming_the_key_file_and_the_sightings_wait_for_the_right_one()
    {
        using (var buffer = Open())
        {
            buffer.Append(Sighting(0));
            buffer.Append(Sighting(1));
        }
        var right = File.ReadAllText(KeyFile);
        File.WriteAllText(KeyFile, Convert.ToBase64String(new byte[32]));

        var wrong = Assert.Throws<InvalidOperationException>(() => Open());
        Assert.Contains(KeyFile, wrong.Message, StringComparison.Ordinal);
        Assert.Contains("2 sightings sealed with another key", wrong.Message, StringComparison.Ordinal);

        File.Delete(KeyFile);
        var missing = Assert.Throws<InvalidOperationException>(() => Open());
        Assert.Contains("is missing", missing.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(KeyFile), "no new key is made while sealed sightings wait for the old one");

        File.WriteAllText(KeyFile, right);
        using var restored = Open();
        Assert.Equal([Sighting(0), Sighting(1)], restored.Read(10, long.MaxValue).Records);
    }

    [Fact]
    public void A_key_file_elsewhere_is_made_there_and_none_in_the_buffer_folder()
    {
        var elsewhere = Path.Combine(Directory.CreateTempSubdirectory("edge-key-").FullName, "buffer.key");
        try
        {
            using (var buffer = Open(elsewhere))
            {
                buffer.Append(Sighting(0));
            }

            Assert.True(File.Exists(elsewhere));
            Assert.False(File.Exists(KeyFile));
            using var reopened = Open(elsewhere);
            Assert.Equal([Sighting(0)], reopened.Read(10, long.MaxValue).Records);
            Assert.Throws<InvalidOperationException>(() => Open()); // the default place has no key for these sightings
        }
        finally
        {
            Directory.Delete(Path.GetDirectoryName(elsewhere)!, recursive: true);
        }
    }

    [Fact]
    public void A_key_file_that_is_not_32_bytes_of_base64_is_refused_naming_it()
    {
        File.WriteAllText(KeyFile, "not a key");
        var refused = Assert.Throws<InvalidOperationException>(() => Open());
        File.WriteAllText(KeyFile, new string('A', 1 << 20)); // a file far larger than a key is not read whole
        var huge = Assert.Throws<InvalidOperationException>(() => Open());

        Assert.Contains(KeyFile, refused.Message, StringComparison.Ordinal);
        Assert.Contains("base64 of 32 bytes", refused.Message, StringComparison.Ordinal);
        Assert.Contains("larger than any key", huge.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_key_file_that_cannot_be_made_is_refused_naming_it()
    {
        var blocked = Path.Combine(_directory, "not-a-folder");
        File.WriteAllText(blocked, "");
        var keyFile = Path.Combine(blocked, "buffer.key"); // under a file: no folder can be made there

        var refused = Assert.Throws<InvalidOperationException>(() => Open(keyFile));

        Assert.Contains(keyFile, refused.Message, StringComparison.Ordinal);
        Assert.Contains("cannot be made", refused.Message, StringComparison.Ordinal);
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
