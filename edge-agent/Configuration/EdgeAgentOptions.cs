namespace NextGenCrm.EdgeAgent.Configuration;

/// <summary>Everything the agent reads from the "EdgeAgent" configuration section.</summary>
public sealed class EdgeAgentOptions
{
    public const string SectionName = "EdgeAgent";

    /// <summary>The branch this agent watches; every sighting and heartbeat carries it.</summary>
    public string BranchId { get; set; } = "";

    public SiloOptions Silo { get; set; } = new();

    /// <summary>HTTP to the silo (default) or S3 + SQS.</summary>
    public SinkOptions Sink { get; set; } = new();

    public BufferOptions Buffer { get; set; } = new();

    public DetectionOptions Detection { get; set; } = new();

    public TrackingOptions Tracking { get; set; } = new();

    public ReIdentification.ReIdentificationOptions ReIdentification { get; set; } = new();

    public List<CameraOptions> Cameras { get; set; } = [];

    public EdgeTelemetryOptions Telemetry { get; set; } = new();

    /// <summary>The face embedder (re-identification and SendFaceAs=Descriptor): ModelPath empty = models/ beside the agent.</summary>
    public FaceEmbedderOptions Embedding { get; set; } = new();
}

public sealed class SiloOptions
{
    /// <summary>Base address of the silo's HTTP API, e.g. http://silo:8080/. With the AWS sink it only
    /// receives heartbeats, and may be left empty (no heartbeats).</summary>
    public string BaseUrl { get; set; } = "";

    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>Sightings per batch request while draining the buffer (the silo accepts up to 500).</summary>
    public int BatchSize { get; set; } = 100;

    /// <summary>Longest wait between retries while the silo is unreachable.</summary>
    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromSeconds(30);

    public TimeSpan HeartbeatInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>A file holding the agent's bearer token (an edge token of its branch); re-read when it changes.</summary>
    public string TokenFile { get; set; } = "";

    /// <summary>Or: the OAuth client-credentials flow against the identity provider's token endpoint.</summary>
    public ClientCredentialsOptions ClientCredentials { get; set; } = new();

    /// <summary>Plain http:// to a silo that is not on this machine sends the token in the clear: refused unless set.</summary>
    public bool AllowInsecureHttp { get; set; }
}

public sealed class ClientCredentialsOptions
{
    /// <summary>The provider's token endpoint, e.g. https://{domain}.auth.{region}.amazoncognito.com/oauth2/token.</summary>
    public string TokenEndpoint { get; set; } = "";

    public string ClientId { get; set; } = "";

    /// <summary>The client secret, or <see cref="ClientSecretFile"/> (kept out of the configuration file).</summary>
    public string ClientSecret { get; set; } = "";

    public string ClientSecretFile { get; set; } = "";

    /// <summary>Scopes asked for, space separated (Entra: api://{app-id}/.default).</summary>
    public string Scope { get; set; } = "";

    /// <summary>A token is renewed this long before it expires.</summary>
    public TimeSpan RefreshBeforeExpiry { get; set; } = TimeSpan.FromMinutes(2);

    public bool Enabled => !string.IsNullOrWhiteSpace(TokenEndpoint);
}

public sealed class BufferOptions
{
    /// <summary>Folder of the durable sighting buffer; must survive restarts (a volume in a container).</summary>
    public string Directory { get; set; } = "buffer";

    /// <summary>Upper bound of the buffer on disk; the oldest sightings are dropped beyond it.</summary>
    public long MaxBytes { get; set; } = 256L * 1024 * 1024;

    /// <summary>Size at which a segment file is closed and a new one started.</summary>
    public long SegmentBytes { get; set; } = 8L * 1024 * 1024;
}

/// <summary>The detector's settings (<see cref="FaceDetectorOptions"/>) and what the agent does with the faces it finds.</summary>
public sealed class DetectionOptions : FaceDetectorOptions
{
    /// <summary>Faces narrower than this are tracked but not searched: too small to recognise.</summary>
    public int MinSearchFaceSize { get; set; } = 40;

    /// <summary>
    /// Faces less sharp than this (variance of the Laplacian over the face at 48×48 grey) are tracked but
    /// not searched. Every face of the demo photographs measures 45 or more, even 40 px wide; blurred by
    /// a Gaussian of 4 px most measure under 30.
    /// </summary>
    public float MinSharpness { get; set; } = 30;

    /// <summary>Extra border around the face box in the crop, as a fraction of the box size.</summary>
    public float CropMargin { get; set; } = 0.3f;

    public int JpegQuality { get; set; } = 90;

    /// <summary>Longest side of a crop in pixels; larger crops are scaled down (keeps them under the silo's 512 KiB).</summary>
    public int MaxCropSide { get; set; } = 320;
}

public sealed class TrackingOptions
{
    /// <summary>A track sends one sighting when it starts and at most one per interval after that.</summary>
    public TimeSpan RefreshInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>A track not seen for this long ends; the same person after that is a new track.</summary>
    public TimeSpan AbsenceTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// A track's first sighting waits this long, and carries the best face seen meanwhile (size,
    /// sharpness, frontal pose), not the first. 0 = at once.
    /// </summary>
    public TimeSpan FirstSightingAfter { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Minimum overlap for a detection to continue a track.</summary>
    public float MinIoU { get; set; } = 0.3f;

    /// <summary>Largest centre jump, in face widths, still taken as the same face (for low frame rates).</summary>
    public float MaxCentreDistance { get; set; } = 1.0f;

    /// <summary>Frames a face must be seen before its first sighting (1 = at once).</summary>
    public int MinHits { get; set; } = 1;
}

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

/// <summary>Synthetic visitors for demos and load: each sends a faceToken instead of a face crop.</summary>
public sealed class SimulationOptions
{
    /// <summary>Visitors to simulate before the camera goes quiet; 0 = without end.</summary>
    public int Visitors { get; set; }

    public double ArrivalsPerMinute { get; set; } = 6;

    public TimeSpan DwellTime { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>Distinct people to draw tokens from, so the same "person" comes back.</summary>
    public int Population { get; set; } = 1000;
}

/// <summary>The agent's own scrape endpoint (section "EdgeAgent:Telemetry"); OTLP is configured by the OTEL_* variables.</summary>
public sealed class EdgeTelemetryOptions
{
    /// <summary>Serve the Prometheus text format at http://{PrometheusHost}:{PrometheusPort}/metrics; 0 = off.</summary>
    public int PrometheusPort { get; set; }

    /// <summary>The address the scrape endpoint listens on: this machine only unless set (e.g. to the branch network's address).</summary>
    public string PrometheusHost { get; set; } = "127.0.0.1";
}
