using System.Diagnostics;
using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using NextGenCrm.TestSupport;

namespace NextGenCrm.Bench.Pipelines;

/// <summary>
/// The autocannon HTTP load generator (npm autocannon, pinned in tools/autocannon, installed by
/// scripts/setup.sh), run as a separate Node process through tools/autocannon/drive.mjs, so the client
/// is not a thread pool inside the process it measures. Each run is bounded in time and killed past it.
/// </summary>
public sealed class Autocannon
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private readonly string _node;
    private readonly string _toolDir;

    private Autocannon(string node, string toolDir, string version)
    {
        _node = node;
        _toolDir = toolDir;
        Version = version;
    }

    /// <summary>The installed autocannon version (from its package.json).</summary>
    public string Version { get; }

    /// <summary>Finds node on PATH and the installed tool; null, with the reason, when either is missing.</summary>
    public static Autocannon? TryLocate(out string reason)
    {
        string toolDir;
        try
        {
            toolDir = RepositoryPaths.Tools("autocannon");
        }
        catch (TypeInitializationException notFound)
        {
            reason = notFound.InnerException?.Message ?? notFound.Message;
            return null;
        }
        var package = Path.Combine(toolDir, "node_modules", "autocannon", "package.json");
        if (!File.Exists(Path.Combine(toolDir, "drive.mjs")) || !File.Exists(package))
        {
            reason = $"autocannon is not installed in {toolDir}";
            return null;
        }
        var node = FindOnPath(OperatingSystem.IsWindows() ? "node.exe" : "node");
        if (node is null)
        {
            reason = "node is not on PATH";
            return null;
        }
        string version;
        try
        {
            using var document = JsonDocument.Parse(File.ReadAllText(package));
            version = document.RootElement.GetProperty("version").GetString() ?? "?";
        }
        catch (Exception e) when (e is IOException or JsonException or KeyNotFoundException or InvalidOperationException)
        {
            reason = $"cannot read {package}: {e.Message}";
            return null;
        }
        reason = "";
        return new Autocannon(node, toolDir, version);
    }

    /// <summary>
    /// POSTs <paramref name="bodies"/> (JSON, round-robin over all connections) to <paramref name="url"/>
    /// for <paramref name="warmup"/> unmeasured, then <paramref name="duration"/> measured.
    /// </summary>
    /// <exception cref="InvalidOperationException">drive.mjs failed or printed no result; the message holds its stderr.</exception>
    /// <exception cref="TimeoutException">drive.mjs ran well past its duration and was killed.</exception>
    public async Task<AutocannonResult> RunAsync(
        Uri url, IReadOnlyList<byte[]> bodies, int connections, TimeSpan duration, TimeSpan warmup, CancellationToken cancellationToken = default, string? header = null)
    {
        var bodiesFile = Path.Combine(Path.GetTempPath(), $"nextgencrm-bench-bodies-{Guid.NewGuid():N}.json");
        try
        {
            await WriteBodiesAsync(bodiesFile, bodies, cancellationToken);
            var start = new ProcessStartInfo(_node)
            {
                WorkingDirectory = _toolDir,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            start.ArgumentList.Add("drive.mjs");
            Add(start, "--url", url.AbsoluteUri);
            Add(start, "--bodies", bodiesFile);
            Add(start, "--connections", connections.ToString(CultureInfo.InvariantCulture));
            Add(start, "--duration", duration.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture));
            Add(start, "--warmup", warmup.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture));
            if (header is not null)
            {
                Add(start, "--header", header);
            }

            using var process = Process.Start(start) ?? throw new InvalidOperationException($"{_node} did not start");
            var stdout = process.StandardOutput.ReadToEndAsync(CancellationToken.None);
            var stderr = process.StandardError.ReadToEndAsync(CancellationToken.None);
            var limit = warmup + duration + TimeSpan.FromSeconds(30);
            try
            {
                await process.WaitForExitAsync(cancellationToken).WaitAsync(limit, cancellationToken);
            }
            catch (Exception e) when (e is TimeoutException or OperationCanceledException)
            {
                Kill(process);
                var soFar = await Drain(stderr);
                if (e is OperationCanceledException)
                {
                    throw;
                }
                throw new TimeoutException($"autocannon (drive.mjs) still running after {limit.TotalSeconds:N0} s, killed. stderr: {soFar}", e);
            }
            var output = await stdout;
            var errors = (await stderr).Trim();
            if (process.ExitCode != 0)
            {
                throw new InvalidOperationException($"autocannon (drive.mjs) exited with code {process.ExitCode}: {errors}");
            }
            var line = output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault()
                ?? throw new InvalidOperationException($"autocannon (drive.mjs) printed no result. stderr: {errors}");
            try
            {
                return JsonSerializer.Deserialize<AutocannonResult>(line, Json)
                    ?? throw new InvalidOperationException($"autocannon (drive.mjs) printed null. stderr: {errors}");
            }
            catch (JsonException e)
            {
                throw new InvalidOperationException($"autocannon (drive.mjs) printed no JSON result ({e.Message}): {line}. stderr: {errors}", e);
            }
        }
        finally
        {
            try
            {
                File.Delete(bodiesFile);
            }
            catch (IOException)
            {
                // A temp file left behind is not worth failing the figure.
            }
        }
    }

    private static void Add(ProcessStartInfo start, string name, string value)
    {
        start.ArgumentList.Add(name);
        start.ArgumentList.Add(value);
    }

    /// <summary>A JSON array of strings, each one body's text, so drive.mjs sends the bytes unchanged.</summary>
    private static async Task WriteBodiesAsync(string path, IReadOnlyList<byte[]> bodies, CancellationToken cancellationToken)
    {
        await using var file = File.Create(path);
        // Relaxed escaping: the file is read by JSON.parse only, and base64 crops stay compact ('+' as is).
        await using var writer = new Utf8JsonWriter(file, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
        writer.WriteStartArray();
        foreach (var body in bodies)
        {
            writer.WriteStringValue(body);
            if (writer.BytesPending > 1 << 20)
            {
                await writer.FlushAsync(cancellationToken);
            }
        }
        writer.WriteEndArray();
        await writer.FlushAsync(cancellationToken);
    }

    private static async Task<string> Drain(Task<string> stream)
    {
        try
        {
            return (await stream.WaitAsync(TimeSpan.FromSeconds(5))).Trim();
        }
        catch (TimeoutException)
        {
            return "(unread)";
        }
    }

    private static void Kill(Process process)
    {
        try
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }
        catch (InvalidOperationException)
        {
            // Exited in between.
        }
    }

    private static string? FindOnPath(string file) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "")
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, file))
            .FirstOrDefault(File.Exists);
}

/// <summary>What drive.mjs prints: every completed response counts in <see cref="Requests"/>, 2xx or not.</summary>
public sealed record AutocannonResult(long Requests, double DurationSeconds, double PerSecond, long Non2xx, long Errors, long Timeouts, AutocannonLatency LatencyMs)
{
    /// <summary>2xx responses.</summary>
    public long Ok => Requests - Non2xx;
}

/// <summary>Response-time percentiles of the measured run's 2xx responses, in milliseconds.</summary>
public sealed record AutocannonLatency(double P50, double P90, double P99, double Max);
