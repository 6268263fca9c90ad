namespace NextGenCrm.EdgeAgent.Configuration;

public enum CameraSourceKind
{
    Folder,
    HttpSnapshot,
    Ffmpeg,
    Simulate,
}

public sealed class CameraOptions
{
    public string Id { get; set; } = "";

    public CameraSourceKind Source { get; set; } = CameraSourceKind.Folder;

    /// <summary>Folder: the drop folder a DeepLens (or any camera) writes JPEG/PNG files into.</summary>
    public string Path { get; set; } = "";

    /// <summary>HttpSnapshot: the snapshot URL. Ffmpeg: a video file path or rtsp:// URL.</summary>
    public string Url { get; set; } = "";

    /// <summary>How often the drop folder or snapshot URL is polled.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>Ffmpeg and Simulate: frames per second taken from the stream.</summary>
    public double FramesPerSecond { get; set; } = 2;

    /// <summary>Ffmpeg: frames are scaled to this size before detection.</summary>
    public int Width { get; set; } = 640;

    public int Height { get; set; } = 480;

    /// <summary>Ffmpeg, live stream: the first wait before reopening a stream that dropped; it doubles
    /// while the stream stays away, up to <see cref="MaxReconnectDelay"/>, and starts again once frames flow.</summary>
    public TimeSpan ReconnectDelay { get; set; } = TimeSpan.FromSeconds(1);

    public TimeSpan MaxReconnectDelay { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Ffmpeg: a stream that sends no frame for this long (a camera that hangs with its connection
    /// open) is closed and, if live, reopened; the first frame gets 10 s more (ffmpeg probes the stream).</summary>
    public TimeSpan StallTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Files or snapshots larger than this are skipped unread.</summary>
    public long MaxImageBytes { get; set; } = 20L * 1024 * 1024;

    /// <summary>Folder: delete a file once processed (else it is moved to processed/).</summary>
    public bool DeleteProcessed { get; set; } = true;

    public SimulationOptions Simulation { get; set; } = new();
}
