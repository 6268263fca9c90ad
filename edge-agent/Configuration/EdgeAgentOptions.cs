using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;

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

/// <summary>Stops the host at start-up with the name of the wrong key, not a failure later.</summary>
public sealed partial class EdgeAgentOptionsValidator : IValidateOptions<EdgeAgentOptions>
{
    public ValidateOptionsResult Validate(string? name, EdgeAgentOptions options)
    {
        var errors = new List<string>();
        const string s = EdgeAgentOptions.SectionName;
        if (!SightingIds.IsValid(options.BranchId))
        {
            errors.Add($"{s}:BranchId '{options.BranchId}' must be 1-64 chars of [A-Za-z0-9._-] starting alphanumeric (set it with --branch)");
        }
        // The AWS sink needs the silo's URL only for heartbeats, so there it may be left out.
        var siloUrlNeeded = options.Sink.Kind == SinkKind.Http || !string.IsNullOrEmpty(options.Silo.BaseUrl);
        if (siloUrlNeeded && !IsHttpUrl(options.Silo.BaseUrl))
        {
            errors.Add($"{s}:Silo:BaseUrl '{options.Silo.BaseUrl}' must be an absolute http(s) URL (set it with --silo)");
        }
        else if (siloUrlNeeded && !options.Silo.AllowInsecureHttp && IsPlainHttpToAnotherMachine(options.Silo.BaseUrl))
        {
            errors.Add($"{s}:Silo:BaseUrl '{options.Silo.BaseUrl}' is plain http to another machine: the token would travel in the clear. Use https, or set {s}:Silo:AllowInsecureHttp=true (--allow-insecure-http)");
        }
        ValidateToken(options.Silo, errors);
        if (!Enum.IsDefined(options.Sink.Kind))
        {
            errors.Add($"{s}:Sink:Kind must be Http or Aws");
        }
        else if (options.Sink.Kind == SinkKind.Aws)
        {
            ValidateAwsSink(options.Sink.Aws, errors);
        }
        ValidateFaceForm(options, errors);
        ValidateTelemetry(options.Telemetry, errors);
        if (options.Silo.BatchSize is < 1 or > 500)
        {
            errors.Add($"{s}:Silo:BatchSize must be between 1 and 500");
        }
        if (options.Silo.AffinityCookie is { Length: > 0 } cookie && (cookie.Length > 64 || !cookie.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.')))
        {
            errors.Add($"{s}:Silo:AffinityCookie must be empty or a cookie name of at most 64 letters, digits, '-', '_' or '.'");
        }
        if (options.Silo.RequestTimeout <= TimeSpan.Zero || options.Silo.HeartbeatInterval <= TimeSpan.Zero || options.Silo.MaxRetryDelay <= TimeSpan.Zero)
        {
            errors.Add($"{s}:Silo:RequestTimeout, HeartbeatInterval and MaxRetryDelay must be positive");
        }
        if (string.IsNullOrWhiteSpace(options.Buffer.Directory))
        {
            errors.Add($"{s}:Buffer:Directory must be set");
        }
        if (options.Buffer.SegmentBytes < 4096 || options.Buffer.MaxBytes < 2 * options.Buffer.SegmentBytes)
        {
            errors.Add($"{s}:Buffer:SegmentBytes must be at least 4096 and Buffer:MaxBytes at least twice SegmentBytes");
        }
        ValidateDetection(options.Detection, errors);
        errors.AddRange(options.Embedding.Problems($"{s}:Embedding"));
        ValidateTracking(options.Tracking, errors);
        ValidateReIdentification(options.ReIdentification, errors);
        ValidateCameras(options.Cameras, errors);
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    private static void ValidateReIdentification(ReIdentification.ReIdentificationOptions reId, List<string> errors)
    {
        const string s = EdgeAgentOptions.SectionName + ":ReIdentification";
        if (reId.Window <= TimeSpan.Zero || reId.Window > TimeSpan.FromHours(1))
        {
            errors.Add($"{s}:Window must be positive and at most 01:00:00 (descriptors are kept no longer than needed)");
        }
        if (reId.MinSimilarity is <= 0 or > 1 || float.IsNaN(reId.MinSimilarity))
        {
            errors.Add($"{s}:MinSimilarity must be in (0, 1] (cosine similarity of two descriptors)");
        }
        if (reId.AmbiguityMargin is < 0 or >= 1 || float.IsNaN(reId.AmbiguityMargin))
        {
            errors.Add($"{s}:AmbiguityMargin must be in [0, 1)");
        }
        if (reId.MaxTracks is < 1 or > 1_000_000)
        {
            errors.Add($"{s}:MaxTracks must be between 1 and 1000000");
        }
    }

    private static void ValidateFaceForm(EdgeAgentOptions options, List<string> errors)
    {
        const string s = EdgeAgentOptions.SectionName + ":Sink:SendFaceAs";
        if (!Enum.IsDefined(options.Sink.SendFaceAs))
        {
            errors.Add($"{s} must be Image or Descriptor");
            return;
        }
        if (options.Sink.SendFaceAs != FaceForm.Descriptor)
        {
            return;
        }
        try
        {
            FaceEmbedder.ResolveModelPath(options.Embedding);
        }
        catch (FileNotFoundException missing)
        {
            errors.Add($"{s}=Descriptor needs the face embedder's model, not found at {missing.FileName} (scripts/setup.sh generates {FaceEmbedderModel.FileName} into models/ beside the agent; or set {EdgeAgentOptions.SectionName}:Embedding:ModelPath)");
        }
        if (options.Cameras.Any(c => c.Source == CameraSourceKind.Simulate))
        {
            errors.Add($"{s}=Descriptor cannot be used with a simulated camera (it sends face tokens, not faces)");
        }
    }

    private static void ValidateTelemetry(EdgeTelemetryOptions telemetry, List<string> errors)
    {
        const string s = EdgeAgentOptions.SectionName + ":Telemetry";
        if (telemetry.PrometheusPort is < 0 or > 65535)
        {
            errors.Add($"{s}:PrometheusPort must be 0 (off) or a TCP port");
        }
        if (telemetry.PrometheusPort > 0 && Uri.CheckHostName(telemetry.PrometheusHost) == UriHostNameType.Unknown)
        {
            errors.Add($"{s}:PrometheusHost '{telemetry.PrometheusHost}' must be an IP address or host name");
        }
    }

    private static bool IsPlainHttpToAnotherMachine(string url) =>
        Uri.TryCreate(url, UriKind.Absolute, out var uri) && uri.Scheme == Uri.UriSchemeHttp && !uri.IsLoopback;

    private static void ValidateToken(SiloOptions silo, List<string> errors)
    {
        const string s = EdgeAgentOptions.SectionName + ":Silo";
        var credentials = silo.ClientCredentials;
        if (credentials.Enabled && !string.IsNullOrWhiteSpace(silo.TokenFile))
        {
            errors.Add($"{s}:TokenFile and {s}:ClientCredentials are two ways to get a token; set one");
        }
        if (!credentials.Enabled)
        {
            return;
        }
        if (!Uri.TryCreate(credentials.TokenEndpoint, UriKind.Absolute, out var endpoint)
            || (endpoint.Scheme != Uri.UriSchemeHttps && !(endpoint.Scheme == Uri.UriSchemeHttp && endpoint.IsLoopback)))
        {
            errors.Add($"{s}:ClientCredentials:TokenEndpoint '{credentials.TokenEndpoint}' must be an https URL");
        }
        if (string.IsNullOrWhiteSpace(credentials.ClientId))
        {
            errors.Add($"{s}:ClientCredentials:ClientId is required");
        }
        if (string.IsNullOrEmpty(credentials.ClientSecret) == string.IsNullOrWhiteSpace(credentials.ClientSecretFile))
        {
            errors.Add($"{s}:ClientCredentials: set exactly one of ClientSecret or ClientSecretFile");
        }
        if (credentials.RefreshBeforeExpiry < TimeSpan.Zero)
        {
            errors.Add($"{s}:ClientCredentials:RefreshBeforeExpiry must not be negative");
        }
    }

    private static void ValidateAwsSink(AwsSinkOptions aws, List<string> errors)
    {
        const string s = EdgeAgentOptions.SectionName + ":Sink:Aws";
        if (!IsHttpUrl(aws.QueueUrl))
        {
            errors.Add($"{s}:QueueUrl '{aws.QueueUrl}' must be the absolute URL of the sightings queue (set it with --queue-url)");
        }
        if (!BucketName().IsMatch(aws.Bucket))
        {
            errors.Add($"{s}:Bucket '{aws.Bucket}' must be an S3 bucket name: 3-63 lowercase letters, digits, '.' or '-'");
        }
        if (aws.KeyPrefix.StartsWith('/') || aws.KeyPrefix.Contains("..", StringComparison.Ordinal) || (aws.KeyPrefix.Length > 0 && !aws.KeyPrefix.EndsWith('/')))
        {
            errors.Add($"{s}:KeyPrefix '{aws.KeyPrefix}' must be empty or a relative folder ending in '/'");
        }
        if (!string.IsNullOrEmpty(aws.ServiceUrl) && !IsHttpUrl(aws.ServiceUrl))
        {
            errors.Add($"{s}:ServiceUrl '{aws.ServiceUrl}' must be an absolute http(s) URL or empty");
        }
        if (!string.IsNullOrEmpty(aws.ServiceUrl) && string.IsNullOrEmpty(aws.Region))
        {
            errors.Add($"{s}:Region must be set when ServiceUrl is (requests are signed for a region)");
        }
        if (aws.RequestTimeout <= TimeSpan.Zero)
        {
            errors.Add($"{s}:RequestTimeout must be positive");
        }
    }

    private static bool IsHttpUrl(string value) =>
        Uri.TryCreate(value, UriKind.Absolute, out var url) && (url.Scheme == "http" || url.Scheme == "https");

    [GeneratedRegex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")]
    private static partial Regex BucketName();

    private static void ValidateDetection(DetectionOptions d, List<string> errors)
    {
        const string s = EdgeAgentOptions.SectionName + ":Detection";
        errors.AddRange(d.Problems(s)); // the detector's own settings, checked as the silo checks its copy
        if (d.CropMargin < 0 || d.JpegQuality is < 1 or > 100 || d.MaxCropSide < 32)
        {
            errors.Add($"{s}: CropMargin >= 0, JpegQuality 1-100, MaxCropSide >= 32");
        }
        if (d.MinSearchFaceSize < d.MinFaceSize || d.MinSharpness < 0)
        {
            errors.Add($"{s}:MinSearchFaceSize must be at least MinFaceSize, and MinSharpness at least 0");
        }
    }

    private static void ValidateTracking(TrackingOptions t, List<string> errors)
    {
        const string s = EdgeAgentOptions.SectionName + ":Tracking";
        if (t.FirstSightingAfter < TimeSpan.Zero || t.FirstSightingAfter >= t.AbsenceTimeout)
        {
            errors.Add($"{s}:FirstSightingAfter must be at least 0 and shorter than AbsenceTimeout");
        }
        if (t.RefreshInterval <= TimeSpan.Zero || t.AbsenceTimeout <= TimeSpan.Zero)
        {
            errors.Add($"{s}:RefreshInterval and AbsenceTimeout must be positive");
        }
        if (t.MinIoU is <= 0 or > 1 || t.MaxCentreDistance < 0 || t.MinHits < 1)
        {
            errors.Add($"{s}: MinIoU in (0,1], MaxCentreDistance >= 0, MinHits >= 1");
        }
    }

    private static void ValidateCameras(List<CameraOptions> cameras, List<string> errors)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < cameras.Count; i++)
        {
            var c = cameras[i];
            var key = $"{EdgeAgentOptions.SectionName}:Cameras:{i}";
            if (!SightingIds.IsValid(c.Id))
            {
                errors.Add($"{key}:Id '{c.Id}' must be 1-64 chars of [A-Za-z0-9._-] starting alphanumeric");
            }
            else if (!seen.Add(c.Id))
            {
                errors.Add($"{key}:Id '{c.Id}' is used by two cameras");
            }
            var missing = c.Source switch
            {
                CameraSourceKind.Folder when string.IsNullOrWhiteSpace(c.Path) => "Path (the drop folder)",
                CameraSourceKind.HttpSnapshot when !Uri.TryCreate(c.Url, UriKind.Absolute, out _) => "Url (the snapshot URL)",
                CameraSourceKind.Ffmpeg when string.IsNullOrWhiteSpace(c.Url) => "Url (video file or rtsp:// URL)",
                _ => null,
            };
            if (missing is not null)
            {
                errors.Add($"{key}: a {c.Source} camera needs {missing}");
            }
            if (c.PollInterval <= TimeSpan.Zero || c.FramesPerSecond <= 0 || c.Width < 16 || c.Height < 16 || c.MaxImageBytes < 1024)
            {
                errors.Add($"{key}: PollInterval and FramesPerSecond must be positive, Width/Height >= 16, MaxImageBytes >= 1024");
            }
            if (c.ReconnectDelay <= TimeSpan.Zero || c.MaxReconnectDelay < c.ReconnectDelay || c.StallTimeout < TimeSpan.FromSeconds(1))
            {
                errors.Add($"{key}: ReconnectDelay must be positive, MaxReconnectDelay >= ReconnectDelay, StallTimeout >= 1 s");
            }
            if (c.Source == CameraSourceKind.Simulate && (c.Simulation.Visitors < 0 || c.Simulation.ArrivalsPerMinute <= 0 || c.Simulation.Population < 1 || c.Simulation.DwellTime < TimeSpan.Zero))
            {
                errors.Add($"{key}:Simulation: Visitors >= 0, ArrivalsPerMinute > 0, Population >= 1, DwellTime >= 0");
            }
        }
    }
}
