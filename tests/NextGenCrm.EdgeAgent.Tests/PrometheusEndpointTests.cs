using System.Net.Sockets;
using Microsoft.Extensions.DependencyInjection;
using NextGenCrm.EdgeAgent.Hosting;
using NextGenCrm.TestSupport;
using SkiaSharp;

namespace NextGenCrm.EdgeAgent.Tests;

/// <summary>
/// EdgeAgent:Telemetry:PrometheusPort: the agent as `edge-agent run` builds it (service defaults and all) serves its
/// metrics on 127.0.0.1; after a frame with a face, the scrape shows the frame and the track's re-identification outcome.
/// </summary>
public sealed class PrometheusEndpointTests : IDisposable
{
    private readonly string _work = Directory.CreateTempSubdirectory("edge-prometheus-").FullName;

    [Fact]
    public async Task The_scrape_endpoint_shows_the_frames_read_and_the_re_identification_outcomes()
    {
        var ct = TestContext.Current.CancellationToken;
        var drop = Directory.CreateDirectory(Path.Combine(_work, "door")).FullName;
        var port = SiloProcess.FreePort();
        // No silo listens there: the sighting stays in the buffer, the metrics do not care.
        var config = AgentConfig.Write(_work, "agent.json", new Uri($"http://127.0.0.1:{SiloProcess.FreePort()}"), Path.Combine(_work, "buffer"),
            [new { Id = "door", Source = "Folder", Path = drop, PollInterval = "00:00:00.100" }]);
        using var agent = AgentHost.Build(config, new Dictionary<string, string?> { ["EdgeAgent:Telemetry:PrometheusPort"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture) }, null);
        await agent.StartAsync(ct);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };

        await File.WriteAllBytesAsync(Path.Combine(drop, "frame-1.jpg"), InProcessAgent.OneFacePhoto(), ct);
        var status = agent.Services.GetRequiredService<AgentMetrics>().Camera("door");
        var deadline = DateTime.UtcNow.AddSeconds(60);
        string scrape;
        while (true)
        {
            scrape = await http.GetStringAsync($"http://127.0.0.1:{port}/metrics", ct);
            if (scrape.Contains("nextgencrm_edge_frames_total{", StringComparison.Ordinal) && scrape.Contains("outcome=\"new\"} 1", StringComparison.Ordinal))
            {
                break;
            }
            Assert.True(DateTime.UtcNow < deadline, $"frames {status.Frames}; scrape:\n{scrape}");
            await Task.Delay(250, ct);
        }
        await agent.StopAsync(ct);
        TestContext.Current.TestOutputHelper?.WriteLine(string.Join('\n', scrape.Split('\n').Where(l => l.StartsWith("nextgencrm_edge", StringComparison.Ordinal))));

        Assert.Matches("nextgencrm_edge_frames_total\\{[^}]*camera=\"door\"[^}]*\\} [1-9]", scrape);
        Assert.Matches("nextgencrm_edge_reidentified_total\\{[^}]*outcome=\"new\"[^}]*\\} 1\\b", scrape);
        Assert.Matches("nextgencrm_edge_reidentified_total\\{[^}]*outcome=\"matched\"[^}]*\\} 0\\b", scrape);
        Assert.Contains("nextgencrm_edge_buffer_depth", scrape, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_endpoint_is_off_unless_a_port_is_set()
    {
        var ct = TestContext.Current.CancellationToken;
        var config = AgentConfig.Write(_work, "agent.json", new Uri($"http://127.0.0.1:{SiloProcess.FreePort()}"), Path.Combine(_work, "buffer"),
            [new { Id = "door", Source = "Folder", Path = _work, PollInterval = "00:00:00.100" }]);
        if (await ListensAsync(9464, ct))
        {
            Assert.Skip("another process on this machine listens on 9464");
        }
        using var agent = AgentHost.Build(config, new Dictionary<string, string?>(), null);
        await agent.StartAsync(ct);
        // The exporter's default port: nothing listens there.
        Assert.False(await ListensAsync(9464, ct));
        await agent.StopAsync(ct);
    }

    private static async Task<bool> ListensAsync(int port, CancellationToken ct)
    {
        using var probe = new TcpClient();
        try
        {
            await probe.ConnectAsync("127.0.0.1", port, ct);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    public void Dispose() => Directory.Delete(_work, recursive: true);
}
