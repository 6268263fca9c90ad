using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using NextGenCrm.EdgeAgent.Hosting;
using NextGenCrm.EdgeAgent.ReIdentification;
using SkiaSharp;

namespace NextGenCrm.EdgeAgent.Tests;

/// <summary>
/// One person's face passes two cameras of one agent → the agent re-identifies the second track as the first → the
/// real silo (a process of its own, embedded defaults, its simulated face search counting per camera) searches once.
/// </summary>
public sealed class ReIdentificationEndToEndTests : IDisposable
{
    private readonly string _work = Directory.CreateTempSubdirectory("edge-reid-").FullName;

    [Fact]
    public async Task The_same_face_at_the_door_and_then_at_the_counter_is_one_face_search_and_one_occupant()
    {
        var timeout = TimeSpan.FromSeconds(90);
        var ct = TestContext.Current.CancellationToken;
        using var silo = await EphemeralSilo.StartAsync(timeout, ct);
        var doorDrop = Directory.CreateDirectory(Path.Combine(_work, "door")).FullName;
        var counterDrop = Directory.CreateDirectory(Path.Combine(_work, "counter")).FullName;
        var tokenFile = Path.Combine(_work, "edge.token");
        await File.WriteAllTextAsync(tokenFile, await silo.IssueTokenAsync("edge", "b001"), ct);
        var config = AgentConfig.Write(_work, "agent.json", silo.BaseUrl, Path.Combine(_work, "buffer"),
        [
            new { Id = "door", Source = "Folder", Path = doorDrop, PollInterval = "00:00:00.100" },
            new { Id = "counter", Source = "Folder", Path = counterDrop, PollInterval = "00:00:00.100" },
        ], tokenFile: tokenFile);
        using var agent = StartAgent(config, new ThumbnailDescriber());
        await agent.StartAsync(ct);
        using var http = new HttpClient { BaseAddress = silo.BaseUrl };
        http.DefaultRequestHeaders.Authorization = new("Bearer", await silo.IssueTokenAsync("staff", "b001"));
        var face = OneFacePhoto();

        await File.WriteAllBytesAsync(Path.Combine(doorDrop, "door-1.jpg"), face, ct);
        var door = await CameraAsync(http, "door", c => c.GetProperty("faceSearches").GetInt64() >= 1, timeout, ct);
        await File.WriteAllBytesAsync(Path.Combine(counterDrop, "counter-1.jpg"), face, ct);
        var counter = await CameraAsync(http, "counter", c => c.GetProperty("sightings").GetInt64() >= 1, timeout, ct);
        await Task.Delay(1500, ct); // a late second search or a second visitor would show now
        door = await CameraAsync(http, "door", _ => true, timeout, ct);
        counter = await CameraAsync(http, "counter", _ => true, timeout, ct);
        var occupancy = await http.GetFromJsonAsync<JsonElement>("api/v1/branches/b001/occupancy", ct);
        await agent.StopAsync(ct);
        TestContext.Current.TestOutputHelper?.WriteLine($"door {door}; counter {counter}; occupancy {occupancy}");

        // One search, the door's (a loaded machine may answer the door's sighting 503 and search it again when it is resent);
        // the counter's track took the door's answer.
        Assert.InRange(door.GetProperty("faceSearches").GetInt64(), 1, 3);
        Assert.Equal(0, counter.GetProperty("faceSearches").GetInt64());
        Assert.Equal(1, counter.GetProperty("tracksTakenOver").GetInt64());
        Assert.Equal(1, occupancy.GetProperty("count").GetInt32());
        Assert.Single(occupancy.GetProperty("visitors").EnumerateArray());
    }

    [Fact]
    public async Task Without_a_describer_the_same_face_at_two_cameras_is_searched_at_each()
    {
        var timeout = TimeSpan.FromSeconds(90);
        var ct = TestContext.Current.CancellationToken;
        using var silo = await EphemeralSilo.StartAsync(timeout, ct);
        var doorDrop = Directory.CreateDirectory(Path.Combine(_work, "door")).FullName;
        var counterDrop = Directory.CreateDirectory(Path.Combine(_work, "counter")).FullName;
        var tokenFile = Path.Combine(_work, "edge.token");
        await File.WriteAllTextAsync(tokenFile, await silo.IssueTokenAsync("edge", "b001"), ct);
        var config = AgentConfig.Write(_work, "agent.json", silo.BaseUrl, Path.Combine(_work, "buffer"),
        [
            new { Id = "door", Source = "Folder", Path = doorDrop, PollInterval = "00:00:00.100" },
            new { Id = "counter", Source = "Folder", Path = counterDrop, PollInterval = "00:00:00.100" },
        ], tokenFile: tokenFile);
        using var agent = StartAgent(config, describer: null);
        await agent.StartAsync(ct);
        using var http = new HttpClient { BaseAddress = silo.BaseUrl };
        http.DefaultRequestHeaders.Authorization = new("Bearer", await silo.IssueTokenAsync("staff", "b001"));
        var face = OneFacePhoto();

        await File.WriteAllBytesAsync(Path.Combine(doorDrop, "door-1.jpg"), face, ct);
        await CameraAsync(http, "door", c => c.GetProperty("faceSearches").GetInt64() >= 1, timeout, ct);
        await File.WriteAllBytesAsync(Path.Combine(counterDrop, "counter-1.jpg"), face, ct);
        var counter = await CameraAsync(http, "counter", c => c.GetProperty("faceSearches").GetInt64() >= 1, timeout, ct);
        await agent.StopAsync(ct);

        Assert.Equal(0, counter.GetProperty("tracksTakenOver").GetInt64());
    }

    private static IHost StartAgent(string configFile, IFaceDescriber? describer)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { ContentRootPath = AppContext.BaseDirectory });
        builder.Configuration.AddJsonFile(configFile, optional: false);
        builder.Logging.ClearProviders();
        builder.Services.AddEdgeAgent(builder.Configuration, commandLineCamera: null);
        if (describer is not null)
        {
            builder.Services.AddSingleton(describer);
        }
        return builder.Build();
    }

    /// <summary>One face of a demo photograph, cut out with room around it: a frame with exactly one face.</summary>
    private static byte[] OneFacePhoto()
    {
        using var photo = SKBitmap.Decode(TestImages.Photo("sample1.jpg"));
        var face = new SKRectI(420 - 150, 408 - 150, 420 + 188 + 150, 408 + 188 + 150);
        using var cut = new SKBitmap(face.Width, face.Height);
        photo.ExtractSubset(cut, face);
        return TestImages.Jpeg(cut);
    }

    /// <summary>The camera as the branch last heard of it (heartbeats every second), once <paramref name="ready"/> holds.</summary>
    private static async Task<JsonElement> CameraAsync(HttpClient http, string cameraId, Func<JsonElement, bool> ready, TimeSpan timeout, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var cameras = await http.GetFromJsonAsync<JsonElement>("api/v1/branches/b001/cameras", ct);
            foreach (var camera in cameras.EnumerateArray())
            {
                if (camera.GetProperty("cameraId").GetString() == cameraId && ready(camera))
                {
                    return camera;
                }
            }
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"camera {cameraId} did not report as expected: {cameras}");
            }
            await Task.Delay(250, ct);
        }
    }

    public void Dispose() => Directory.Delete(_work, recursive: true);
}

/// <summary>
/// A stand-in describer for tests, not an embedder: the face box as a 8×16 grey thumbnail, centred and normalised. The
/// same picture gives the same descriptor; it knows nothing of who a face is.
/// </summary>
internal sealed class ThumbnailDescriber : IFaceDescriber
{
    public float[]? Describe(SKBitmap frame, FaceBox face)
    {
        using var thumbnail = new SKBitmap(8, 16, SKColorType.Gray8, SKAlphaType.Opaque);
        using (var canvas = new SKCanvas(thumbnail))
        using (var image = SKImage.FromBitmap(frame))
        {
            canvas.DrawImage(image, new SKRect(face.X, face.Y, face.Right, face.Y + face.Height), new SKRect(0, 0, 8, 16), new SKSamplingOptions(SKFilterMode.Linear));
        }
        var values = thumbnail.GetPixelSpan().ToArray().Select(b => (float)b).ToArray();
        var mean = values.Average();
        var centred = values.Select(v => v - mean).ToArray();
        var norm = MathF.Sqrt(centred.Sum(v => v * v));
        return norm == 0 ? null : centred.Select(v => v / norm).ToArray();
    }
}
