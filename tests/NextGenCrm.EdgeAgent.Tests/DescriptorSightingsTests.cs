using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using NextGenCrm.EdgeAgent.Configuration;
using NextGenCrm.EdgeAgent.Delivery;
using NextGenCrm.EdgeAgent.Hosting;
using NextGenCrm.TestSupport;
using SkiaSharp;

namespace NextGenCrm.EdgeAgent.Tests;

/// <summary>
/// EdgeAgent:Sink:SendFaceAs=Descriptor: the agent, with the real embedder, sends each face as its descriptor to the real
/// silo (a process of its own) on the on-premises face search without the embedder's models, so that a picture would be
/// refused there: the person is seen, a visit opens, and the silo holds no crop.
/// </summary>
public sealed class DescriptorSightingsTests : IDisposable
{
    private readonly string _work = Directory.CreateTempSubdirectory("edge-descriptor-").FullName;

    [Fact]
    public async Task With_descriptors_the_person_is_seen_and_no_picture_of_the_face_reaches_the_silo()
    {
        var timeout = TimeSpan.FromSeconds(90);
        var ct = TestContext.Current.CancellationToken;
        var dataDir = Directory.CreateDirectory(Path.Combine(_work, "silo-data")).FullName;
        // No embedder at the silo: it can only take descriptors, and answers 400 to an image.
        string[] args = ["--data-dir", dataDir, "--FaceSearch:Provider=OnPremises",
            $"--FaceSearch:OnPremises:Embedding:ModelPath={Path.Combine(_work, "no-such-model.onnx")}"];
        using var silo = await SiloProcess.StartAsync(args, Path.Combine(dataDir, "signing-key.json"), timeout, ct);
        var doorDrop = Directory.CreateDirectory(Path.Combine(_work, "door")).FullName;
        var counterDrop = Directory.CreateDirectory(Path.Combine(_work, "counter")).FullName;
        var tokenFile = Path.Combine(_work, "edge.token");
        await File.WriteAllTextAsync(tokenFile, await silo.IssueTokenAsync("edge", "b001"), ct);
        var config = AgentConfig.Write(_work, "agent.json", silo.BaseUrl.ToString(), Path.Combine(_work, "buffer"),
        [
            new { Id = "door", Source = "Folder", Path = doorDrop, PollInterval = "00:00:00.100" },
            new { Id = "counter", Source = "Folder", Path = counterDrop, PollInterval = "00:00:00.100" },
        ], detection: null, tracking: null, sink: new { Kind = "Http", SendFaceAs = "Descriptor" }, tokenFile);
        using var agent = InProcessAgent.Start(config);
        await agent.StartAsync(ct);
        using var http = new HttpClient { BaseAddress = silo.BaseUrl };
        http.DefaultRequestHeaders.Authorization = new("Bearer", await silo.IssueTokenAsync("staff", "b001"));
        var face = InProcessAgent.OneFacePhoto();

        await File.WriteAllBytesAsync(Path.Combine(doorDrop, "door-1.jpg"), face, ct);
        var door = await InProcessAgent.CameraAsync(http, "door", c => c.GetProperty("faceSearches").GetInt64() >= 1, timeout, ct);
        await File.WriteAllBytesAsync(Path.Combine(counterDrop, "counter-1.jpg"), face, ct);
        var counter = await InProcessAgent.CameraAsync(http, "counter", c => c.GetProperty("sightings").GetInt64() >= 1, timeout, ct);
        var occupancy = await http.GetFromJsonAsync<JsonElement>("api/v1/branches/b001/occupancy", ct);
        var metrics = agent.Services.GetRequiredService<AgentMetrics>();
        await agent.StopAsync(ct);
        TestContext.Current.TestOutputHelper?.WriteLine($"door {door}; counter {counter}; occupancy {occupancy}; accepted {metrics.Accepted}, rejected {metrics.Rejected}");

        // Seen: a visit is open, the stranger indexed from the door's descriptor; the counter took the door's answer.
        Assert.Equal(1, occupancy.GetProperty("count").GetInt32());
        Assert.Single(occupancy.GetProperty("visitors").EnumerateArray());
        Assert.Equal(0, counter.GetProperty("faceSearches").GetInt64());
        // Nothing refused (an image would have been, 400: this silo has no embedder), and no crop stored.
        Assert.True(metrics.Accepted >= 2, $"accepted {metrics.Accepted}");
        Assert.Equal(0, metrics.Rejected);
        var images = Path.Combine(dataDir, "images");
        Assert.True(!Directory.Exists(images) || !Directory.EnumerateFiles(images, "*", SearchOption.AllDirectories).Any(),
            "the silo stored a face crop");
        Assert.DoesNotContain(silo.Lines, l => l.Contains("embedder installed", StringComparison.Ordinal));
    }

    [Fact]
    public void A_descriptor_sighting_in_the_buffer_carries_the_descriptor_and_no_picture()
    {
        var options = Options.Create(new EdgeAgentOptions { BranchId = "b001", Buffer = new BufferOptions { Directory = Path.Combine(_work, "buffer") } });
        using var buffer = new SightingBuffer(options.Value.Buffer, Microsoft.Extensions.Logging.Abstractions.NullLogger<SightingBuffer>.Instance);
        var outbox = new SightingOutbox(buffer, options);
        var descriptor = Enumerable.Range(0, 128).Select(i => i == 7 ? 1f : 0f).ToArray();

        Assert.True(outbox.EnqueueDescriptor("door", "t1", DateTimeOffset.UtcNow, descriptor));

        var record = JsonDocument.Parse(Assert.Single(buffer.Read(10, 1 << 20).Records)).RootElement;
        Assert.Equal(128, record.GetProperty("faceDescriptor").GetArrayLength());
        Assert.Equal(1f, record.GetProperty("faceDescriptor")[7].GetSingle());
        Assert.False(record.TryGetProperty("image", out _));
        Assert.False(record.TryGetProperty("imageRef", out _));
        // The buffer holds faces: its folder and segments are the agent's user's only.
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(options.Value.Buffer.Directory));
            var segments = Directory.GetFiles(options.Value.Buffer.Directory, "*.seg");
            Assert.NotEmpty(segments);
            foreach (var segment in segments)
            {
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(segment));
            }
        }
    }

    [Fact]
    public void Descriptors_without_the_embedders_model_stop_the_agent_at_start_with_the_key_to_mend()
    {
        var options = new EdgeAgentOptions
        {
            BranchId = "b001",
            Silo = new SiloOptions { BaseUrl = "http://127.0.0.1:5080" },
            Sink = new SinkOptions { SendFaceAs = FaceForm.Descriptor },
            Embedding = new FaceEmbedderOptions { ModelPath = Path.Combine(_work, "missing.onnx") },
            Cameras = [new CameraOptions { Id = "door", Source = CameraSourceKind.Folder, Path = _work }],
        };

        var result = new EdgeAgentOptionsValidator().Validate(null, options);

        Assert.True(result.Failed);
        Assert.Contains(result.Failures!, f => f.Contains("SendFaceAs=Descriptor needs the face embedder's model", StringComparison.Ordinal)
            && f.Contains("missing.onnx", StringComparison.Ordinal));
        options.Embedding.ModelPath = "";
        Assert.True(new EdgeAgentOptionsValidator().Validate(null, options).Succeeded, "the model beside the binary is found");
    }

    [Fact]
    public void The_embedders_and_detectors_thread_counts_and_model_hashes_are_checked_at_start_naming_the_key()
    {
        var options = new EdgeAgentOptions
        {
            BranchId = "b001",
            Silo = new SiloOptions { BaseUrl = "http://127.0.0.1:5080" },
            Embedding = new FaceEmbedderOptions { Threads = 0 },
            Detection = new DetectionOptions { ModelSha256 = "not-a-hash" },
            Cameras = [new CameraOptions { Id = "door", Source = CameraSourceKind.Folder, Path = _work }],
        };

        var result = new EdgeAgentOptionsValidator().Validate(null, options);

        Assert.Contains("EdgeAgent:Embedding:Threads must be between 1 and 64", result.Failures!);
        Assert.Contains("EdgeAgent:Detection:ModelSha256 must be empty (the pinned hash) or 64 hex digits", result.Failures!);
    }

    public void Dispose() => Directory.Delete(_work, recursive: true);
}
