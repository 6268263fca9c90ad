using System.Text.Json;

namespace NextGenCrm.EdgeAgent.Tests;

/// <summary>Writes an agent configuration file for a test run.</summary>
public static class AgentConfig
{
    public static string Write(string directory, string name, Uri silo, string bufferDirectory, object[] cameras, object? detection = null, object? tracking = null, string? tokenFile = null) =>
        Write(directory, name, silo.ToString(), bufferDirectory, cameras, detection, tracking, sink: null, tokenFile);

    /// <summary>With a sink section, e.g. the AWS sink (then <paramref name="silo"/> may be empty: no heartbeats).</summary>
    public static string Write(string directory, string name, string silo, string bufferDirectory, object[] cameras, object? detection, object? tracking, object? sink, string? tokenFile = null)
    {
        var config = new
        {
            Logging = new { LogLevel = new { Default = "Information", Microsoft = "Warning", System = "Warning" } },
            EdgeAgent = new
            {
                BranchId = "b001",
                Silo = new { BaseUrl = silo, BatchSize = 100, MaxRetryDelay = "00:00:01", RequestTimeout = "00:00:10", HeartbeatInterval = "00:00:01", TokenFile = tokenFile ?? "" },
                Sink = sink ?? new { Kind = "Http" } as object,
                Buffer = new { Directory = bufferDirectory, MaxBytes = 64L * 1024 * 1024, SegmentBytes = 256 * 1024 },
                Detection = detection ?? new { ModelPath = TestImages.ModelPath },
                Tracking = tracking ?? new { RefreshInterval = "01:00:00", AbsenceTimeout = "00:00:05", FirstSightingAfter = "00:00:00" },
                Cameras = cameras,
            },
        };
        var path = Path.Combine(directory, name);
        File.WriteAllText(path, JsonSerializer.Serialize(config));
        return path;
    }
}
