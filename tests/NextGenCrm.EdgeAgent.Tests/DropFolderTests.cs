namespace NextGenCrm.EdgeAgent.Tests;

/// <summary>A drop folder fed by a camera, with the agent as a real process and the silo faked on loopback.</summary>
public sealed class DropFolderTests : IDisposable
{
    private readonly string _work = Directory.CreateTempSubdirectory("edge-folder-").FullName;

    [Fact]
    public async Task Bad_files_are_logged_and_skipped_and_the_agent_keeps_sending_sightings()
    {
        var timeout = TimeSpan.FromSeconds(60);
        var drop = Directory.CreateDirectory(Path.Combine(_work, "drop")).FullName;
        await using var silo = await FakeSilo.StartAsync();
        var config = AgentConfig.Write(_work, "agent.json", silo.BaseUrl, Path.Combine(_work, "buffer"),
        [
            new { Id = "door", Source = "Folder", Path = drop, PollInterval = "00:00:00.100", MaxImageBytes = 20 * 1024 * 1024 },
        ]);
        var photo = TestImages.Scaled(TestImages.Photo("sample3.jpg"), 1280, 900);
        var noise = new byte[50_000];
        new Random(5).NextBytes(noise);
        await File.WriteAllBytesAsync(Path.Combine(drop, "corrupt.jpg"), [0xFF, 0xD8, 0xFF, 0xE0, .. noise], TestContext.Current.CancellationToken);
        await File.WriteAllBytesAsync(Path.Combine(drop, "truncated.jpg"), photo[..(photo.Length * 2 / 5)], TestContext.Current.CancellationToken);
        await File.WriteAllTextAsync(Path.Combine(drop, "notes.txt"), "not a picture", TestContext.Current.CancellationToken);
        using (var huge = new FileStream(Path.Combine(drop, "huge.jpg"), FileMode.Create))
        {
            huge.Write(photo);
            huge.SetLength(100L * 1024 * 1024);
        }

        using var agent = AgentProcess.Start(config);
        foreach (var name in new[] { "corrupt.jpg", "truncated.jpg", "notes.txt", "huge.jpg" })
        {
            await agent.WaitForLineAsync($"Camera door: skipped {name}", timeout);
        }
        await File.WriteAllBytesAsync(Path.Combine(drop, "frame-0001.jpg"), photo, TestContext.Current.CancellationToken);

        var deadline = DateTime.UtcNow + timeout;
        while (silo.Sightings.Count < 3 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100, TestContext.Current.CancellationToken);
        }

        Assert.False(agent.HasExited);
        Assert.Empty(silo.Invalid);
        Assert.Equal(3, silo.Sightings.Count); // three faces found in the photo: three tracks, one sighting each
        Assert.All(silo.Sightings, s => Assert.NotNull(s.Image));
        Assert.Equal(3, silo.Sightings.Select(s => s.TrackId).Distinct().Count());
        Assert.Equal(["corrupt.jpg", "huge.jpg", "notes.txt", "truncated.jpg"], Directory.GetFiles(Path.Combine(drop, "rejected")).Select(Path.GetFileName).Order());
        Assert.False(File.Exists(Path.Combine(drop, "frame-0001.jpg")));
        // Logs name files and tracks, never carry image data.
        Assert.DoesNotContain(agent.Lines, l => l.Contains(silo.Sightings.First().Image![..40], StringComparison.Ordinal));

        var heartbeatDeadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (!silo.Heartbeats.Any(h => h.Body.GetProperty("sightingsSent").GetInt64() >= 3) && DateTime.UtcNow < heartbeatDeadline)
        {
            await Task.Delay(100, TestContext.Current.CancellationToken);
        }
        var heartbeat = silo.Heartbeats.Last(h => h.CameraId == "door").Body;
        Assert.Equal("ok", heartbeat.GetProperty("status").GetString());
        Assert.True(heartbeat.GetProperty("facesSeen").GetInt64() >= 3);
        Assert.Equal(3, heartbeat.GetProperty("sightingsSent").GetInt64());
    }

    public void Dispose() => Directory.Delete(_work, recursive: true);
}
