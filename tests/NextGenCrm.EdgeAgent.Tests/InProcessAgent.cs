using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using NextGenCrm.EdgeAgent.Hosting;
using NextGenCrm.EdgeAgent.ReIdentification;
using NextGenCrm.TestSupport;
using SkiaSharp;

namespace NextGenCrm.EdgeAgent.Tests;

/// <summary>The edge agent in this process, composed as `edge-agent run` composes it, and what the end-to-end tests feed it and read back.</summary>
internal static class InProcessAgent
{
    /// <summary>The agent from a configuration file; a test's <paramref name="describer"/> replaces the embedder when given.</summary>
    public static IHost Start(string configFile, IFaceDescriber? describer = null)
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
    public static byte[] OneFacePhoto()
    {
        using var photo = SKBitmap.Decode(TestImages.Photo("sample1.jpg"));
        var face = new SKRectI(420 - 150, 408 - 150, 420 + 188 + 150, 408 + 188 + 150);
        using var cut = new SKBitmap(face.Width, face.Height);
        photo.ExtractSubset(cut, face);
        return TestImages.Jpeg(cut);
    }

    /// <summary>The camera as the branch last heard of it (heartbeats every second), once <paramref name="ready"/> holds.</summary>
    public static async Task<JsonElement> CameraAsync(HttpClient http, string cameraId, Func<JsonElement, bool> ready, TimeSpan timeout, CancellationToken ct)
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
}
