using System.CommandLine;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using NextGenCrm.EdgeAgent.Configuration;
using NextGenCrm.EdgeAgent.Detection;

namespace NextGenCrm.EdgeAgent.Hosting;

/// <summary>The agent's sub-commands: run (the service), detect (try a picture), embed (face descriptors of a picture), bench-detect.</summary>
public static class AgentCommands
{
    private static readonly Option<string?> ModelOption = new("--model")
    {
        Description = "Path of the BlazeFace model file (default: models/ next to the binary, placed there by scripts/setup.sh and the build)",
    };

    private static readonly Option<BlazeFaceModelKind> ModelKindOption = new("--model-kind")
    {
        Description = "FullRange (256x256, default) or ShortRange (128x128, faces close to the camera)",
        DefaultValueFactory = _ => new DetectionOptions().Model,
    };

    private static readonly Option<int> TileSideOption = new("--tile-side")
    {
        Description = "Frame pixels per model input in the tiled pass; 0 = whole frame only",
        DefaultValueFactory = _ => new DetectionOptions().TileSide,
    };

    public static Command Run()
    {
        Option<FileInfo?> config = new("--config", "-c") { Description = "JSON configuration file (an \"EdgeAgent\" section, see edge-agent.example.json)" };
        Option<string?> branch = new("--branch") { Description = "Branch id sent with every sighting (EdgeAgent:BranchId)" };
        Option<string?> silo = new("--silo") { Description = "Silo base URL, e.g. http://silo:8080 (EdgeAgent:Silo:BaseUrl); with --sink aws only for heartbeats, optional" };
        Option<string?> sink = new("--sink") { Description = "Where sightings go: http (the silo's API, default) or aws (crop to S3, sighting to SQS) (EdgeAgent:Sink:Kind)" };
        sink.AcceptOnlyFromAmong("http", "aws");
        Option<string?> queueUrl = new("--queue-url") { Description = "With --sink aws: URL of the silo's sightings queue (EdgeAgent:Sink:Aws:QueueUrl); bucket, region and endpoint under EdgeAgent:Sink:Aws, credentials from the AWS SDK's default chain" };
        Option<string?> bufferDir = new("--buffer-dir") { Description = "Folder of the durable sighting buffer (EdgeAgent:Buffer:Directory); keep it on persistent storage" };
        Option<string> cameraId = new("--camera-id") { Description = "Id of the camera given by --folder/--snapshot-url/--video/--simulate", DefaultValueFactory = _ => "cam1" };
        Option<string?> folder = new("--folder") { Description = "Add a camera that reads JPEG/PNG files dropped into this folder" };
        Option<string?> snapshotUrl = new("--snapshot-url") { Description = "Add a camera that polls this HTTP snapshot URL" };
        Option<string?> video = new("--video") { Description = "Add a camera that reads a video file or rtsp:// stream through ffmpeg" };
        Option<int?> simulate = new("--simulate") { Description = "Add a simulated camera with this many synthetic visitors (0 = without end); sends faceTokens, no images" };
        Option<string?> tokenFile = new("--token-file") { Description = "File holding the agent's bearer token for the silo, re-read when it changes (EdgeAgent:Silo:TokenFile); or use EdgeAgent:Silo:ClientCredentials" };
        Option<string?> sendFaceAs = new("--send-face-as") { Description = "What a sighting carries of the face: image (the crop, default) or descriptor (128 numbers, for a silo on FaceSearch:Provider=OnPremises: no picture leaves the branch) (EdgeAgent:Sink:SendFaceAs)" };
        sendFaceAs.AcceptOnlyFromAmong("image", "descriptor");
        Option<int?> prometheusPort = new("--prometheus-port") { Description = "Serve the metrics for Prometheus at http://127.0.0.1:PORT/metrics (EdgeAgent:Telemetry:PrometheusPort; the address is EdgeAgent:Telemetry:PrometheusHost)" };
        Option<bool> allowInsecureHttp = new("--allow-insecure-http") { Description = "Send the token over plain http:// to a silo on another machine (EdgeAgent:Silo:AllowInsecureHttp)" };

        var command = new Command("run", "Run the agent as a long-running service (systemd, container or a terminal; stops on Ctrl+C/SIGTERM)")
        {
            config, branch, silo, sink, queueUrl, bufferDir, ModelOption, cameraId, folder, snapshotUrl, video, simulate, tokenFile, allowInsecureHttp,
            sendFaceAs, prometheusPort,
        };
        command.SetAction(async (result, cancellationToken) =>
        {
            const string s = EdgeAgentOptions.SectionName;
            var overrides = new Dictionary<string, string?>(StringComparer.Ordinal);
            void Set(string key, string? value)
            {
                if (value is not null)
                {
                    overrides[$"{s}:{key}"] = value;
                }
            }
            Set("BranchId", result.GetValue(branch));
            Set("Silo:BaseUrl", result.GetValue(silo));
            Set("Silo:TokenFile", result.GetValue(tokenFile));
            if (result.GetValue(allowInsecureHttp))
            {
                Set("Silo:AllowInsecureHttp", "true");
            }
            Set("Sink:Kind", result.GetValue(sink));
            Set("Sink:Aws:QueueUrl", result.GetValue(queueUrl));
            Set("Sink:SendFaceAs", result.GetValue(sendFaceAs));
            Set("Telemetry:PrometheusPort", result.GetValue(prometheusPort)?.ToString(System.Globalization.CultureInfo.InvariantCulture));
            Set("Buffer:Directory", result.GetValue(bufferDir));
            Set("Detection:ModelPath", result.GetValue(ModelOption));

            var id = result.GetValue(cameraId)!;
            CameraOptions? camera = null;
            if (result.GetValue(folder) is { } path)
            {
                camera = new CameraOptions { Id = id, Source = CameraSourceKind.Folder, Path = path };
            }
            else if (result.GetValue(snapshotUrl) is { } url)
            {
                camera = new CameraOptions { Id = id, Source = CameraSourceKind.HttpSnapshot, Url = url };
            }
            else if (result.GetValue(video) is { } stream)
            {
                camera = new CameraOptions { Id = id, Source = CameraSourceKind.Ffmpeg, Url = stream };
            }
            else if (result.GetValue(simulate) is { } visitors)
            {
                camera = new CameraOptions { Id = id, Source = CameraSourceKind.Simulate, Simulation = new SimulationOptions { Visitors = visitors } };
            }

            try
            {
                using var host = AgentHost.Build(result.GetValue(config)?.FullName, overrides, camera);
                // Validate before start so a wrong setting reads as one line per key, not a host stack trace.
                _ = host.Services.GetRequiredService<IOptions<EdgeAgentOptions>>().Value;
                await host.RunAsync(cancellationToken);
                return 0;
            }
            catch (OptionsValidationException e)
            {
                await Console.Error.WriteLineAsync("edge-agent: invalid configuration:\n  " + string.Join("\n  ", e.Failures));
                return 2;
            }
            catch (Exception e) when (e is FileNotFoundException or InvalidOperationException or InvalidDataException)
            {
                await Console.Error.WriteLineAsync("edge-agent: cannot start: " + e.Message);
                return 2;
            }
        });
        return command;
    }

    public static Command Detect()
    {
        Argument<FileInfo[]> images = new("images") { Description = "JPEG or PNG files", Arity = ArgumentArity.OneOrMore };
        Option<float> threshold = new("--score-threshold") { Description = "Minimum confidence 0..1", DefaultValueFactory = _ => new DetectionOptions().ScoreThreshold };
        Option<int> minFace = new("--min-face-size") { Description = "Smallest face width in pixels", DefaultValueFactory = _ => new DetectionOptions().MinFaceSize };
        var command = new Command("detect", "Detect faces in image files and print one JSON line per file (boxes, scores and the six keypoints, in pixels); for checking a camera's view and thresholds")
        {
            images, ModelOption, ModelKindOption, TileSideOption, threshold, minFace,
        };
        command.SetAction(result =>
        {
            var options = new DetectionOptions
            {
                ModelPath = result.GetValue(ModelOption) ?? "",
                Model = result.GetValue(ModelKindOption),
                TileSide = result.GetValue(TileSideOption),
                ScoreThreshold = result.GetValue(threshold),
                MinFaceSize = result.GetValue(minFace),
            };
            using var detector = new BlazeFaceDetector(options);
            var failures = 0;
            foreach (var file in result.GetValue(images)!)
            {
                try
                {
                    using var bitmap = ImageDecoding.Decode(File.ReadAllBytes(file.FullName));
                    var faces = detector.Detect(bitmap).Select(f => new Dictionary<string, object>
                    {
                        ["box"] = new[] { MathF.Round(f.X), MathF.Round(f.Y), MathF.Round(f.Width), MathF.Round(f.Height) },
                        ["score"] = MathF.Round(f.Score, 3),
                        ["keypoints"] = Keypoints(f),
                    });
                    Console.WriteLine(JsonSerializer.Serialize(new Dictionary<string, object>
                    {
                        ["file"] = file.Name, ["width"] = bitmap.Width, ["height"] = bitmap.Height, ["faces"] = faces.ToArray(),
                    }));
                }
                catch (Exception e) when (e is UnreadableImageException or IOException)
                {
                    failures++;
                    Console.Error.WriteLine($"{file.Name}: {e.Message}");
                }
            }
            return failures == 0 ? 0 : 1;
        });
        return command;
    }

    public static Command Embed()
    {
        Argument<FileInfo[]> images = new("images") { Description = "JPEG or PNG files", Arity = ArgumentArity.OneOrMore };
        Option<string?> embedderModel = new("--embedder-model")
        {
            Description = "Path of the face recognition model (default: models/ next to the binary, generated by scripts/setup.sh; its sha256 is checked)",
        };
        var command = new Command("embed", "Detect faces in image files, align each from its keypoints and print one JSON line per file: " +
            "{\"file\", \"faces\": [{\"box\": [x, y, w, h], \"descriptor\": [128 numbers, L2-normalised]}]}")
        {
            images, ModelOption, ModelKindOption, TileSideOption, embedderModel,
        };
        command.SetAction(result =>
        {
            var options = new DetectionOptions
            {
                ModelPath = result.GetValue(ModelOption) ?? "",
                Model = result.GetValue(ModelKindOption),
                TileSide = result.GetValue(TileSideOption),
            };
            using var detector = new BlazeFaceDetector(options);
            using var embedder = new FaceEmbedder(new FaceEmbedderOptions { ModelPath = result.GetValue(embedderModel) ?? "" });
            var failures = 0;
            foreach (var file in result.GetValue(images)!)
            {
                try
                {
                    using var bitmap = ImageDecoding.Decode(File.ReadAllBytes(file.FullName));
                    var faces = detector.Detect(bitmap).Select(f => new Dictionary<string, object>
                    {
                        ["box"] = new[] { MathF.Round(f.X), MathF.Round(f.Y), MathF.Round(f.Width), MathF.Round(f.Height) },
                        ["descriptor"] = embedder.Embed(bitmap, f),
                    });
                    Console.WriteLine(JsonSerializer.Serialize(new Dictionary<string, object>
                    {
                        ["file"] = file.Name, ["faces"] = faces.ToArray(),
                    }));
                }
                catch (Exception e) when (e is UnreadableImageException or IOException)
                {
                    failures++;
                    Console.Error.WriteLine($"{file.Name}: {e.Message}");
                }
            }
            return failures == 0 ? 0 : 1;
        });
        return command;
    }

    /// <summary>Right eye, left eye, nose, mouth, right ear, left ear (the person's right), as [x, y] pixels.</summary>
    private static float[][] Keypoints(FaceBox face) => face.Landmarks is { } l
        ? [.. new[] { l.RightEye, l.LeftEye, l.Nose, l.Mouth, l.RightEar, l.LeftEar }.Select(p => new[] { MathF.Round(p.X), MathF.Round(p.Y) })]
        : [];

    public static Command BenchDetect()
    {
        Option<FileInfo?> image = new("--image") { Description = "Photo to measure with (scaled to each size); default: a synthetic picture" };
        Option<double> seconds = new("--seconds") { Description = "Measuring time per size", DefaultValueFactory = _ => 5.0 };
        var command = new Command("bench-detect", "Measure frames/s of JPEG decode + face detection on one core at 640x480, 1280x720 and 1920x1080")
        {
            image, seconds, ModelOption, ModelKindOption, TileSideOption,
        };
        command.SetAction(result =>
        {
            var options = new DetectionOptions
            {
                ModelPath = result.GetValue(ModelOption) ?? "",
                Model = result.GetValue(ModelKindOption),
                TileSide = result.GetValue(TileSideOption),
                Threads = 1,
            };
            var report = DetectionBenchmark.Run(options, result.GetValue(image)?.FullName, TimeSpan.FromSeconds(result.GetValue(seconds)));
            foreach (var line in report)
            {
                Console.WriteLine(line);
            }
            return 0;
        });
        return command;
    }
}
