using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using NextGenCrm.TestSupport;

namespace NextGenCrm.Bench.Soak;

/// <summary>How the soak runs: for how long, how many new strangers a second, which silo build, with what arguments.</summary>
internal sealed record SoakSettings(TimeSpan Duration, double StrangersPerSecond, string SiloDll, IReadOnlyList<string> SiloArgs, string Label, FileInfo Report);

/// <summary>
/// The silo as a newcomer runs it (the README's first command, <c>--demo --Demo:Duration=00:00:00</c>), as a
/// child process from its own build, with new strangers arriving steadily over HTTP on top of the demo feed:
/// each is seen at the entrance, then in the lobby, and half leave by the exit camera, the rest by inactivity
/// (20 s in the demo). A startup hook (<see cref="StartupHook"/>) samples the silo's live GC heap and working
/// set; the report gives them at 30 s, 2 min, 5 min and 10 min, and the growth over the second half.
/// Talks only to 127.0.0.1, and stops by itself.
/// </summary>
internal static class SoakRun
{
    private static readonly string[] Branches = ["main-st", "harbour", "old-town", "airport", "riverside", "university", "market-sq", "north-gate"];

    public static async Task<int> RunAsync(SoakSettings settings, string command)
    {
        var dll = Path.GetFullPath(settings.SiloDll);
        if (!File.Exists(dll))
        {
            Console.Error.WriteLine($"No silo build at {dll}: dotnet build -c Release silo");
            return 2;
        }
        var samples = Path.Combine(Path.GetTempPath(), $"nextgencrm-soak-{Environment.ProcessId}.csv");
        File.Delete(samples);
        var port = FreePort();
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = Path.GetDirectoryName(dll)!,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in (string[])[dll, "--demo", "--Demo:Duration=00:00:00", $"--Urls=http://127.0.0.1:{port}",
                     $"--Orleans:Endpoints:SiloPort={FreePort()}", $"--Orleans:Endpoints:GatewayPort={FreePort()}", .. settings.SiloArgs])
        {
            start.ArgumentList.Add(arg);
        }
        start.Environment["DOTNET_STARTUP_HOOKS"] = typeof(StartupHook).Assembly.Location;
        start.Environment[StartupHook.SamplesVariable] = samples;
        start.Environment[StartupHook.EveryVariable] = "10";
        start.Environment["DOTNET_NOLOGO"] = "1";
        var output = new ConcurrentQueue<string>();
        using var silo = Process.Start(start)!;
        silo.OutputDataReceived += (_, e) => Keep(output, e.Data);
        silo.ErrorDataReceived += (_, e) => Keep(output, e.Data);
        silo.BeginOutputReadLine();
        silo.BeginErrorReadLine();
        var wall = Stopwatch.StartNew();
        try
        {
            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/"), Timeout = TimeSpan.FromSeconds(30) };
            await WaitReadyAsync(http, silo, output);
            Console.WriteLine($"soak {settings.Label}: silo pid {silo.Id} ready after {wall.Elapsed.TotalSeconds:N1} s; {settings.StrangersPerSecond}/s new strangers for {settings.Duration}");
            var tally = await DriveAsync(http, settings, silo);
            await Task.Delay(TimeSpan.FromSeconds(11)); // the last sample
            var rows = ReadSamples(samples);
            var report = Report(settings, command, rows, tally);
            settings.Report.Directory?.Create();
            await File.WriteAllTextAsync(settings.Report.FullName, report);
            Console.WriteLine(report);
            return silo.HasExited ? 1 : 0;
        }
        finally
        {
            if (!silo.HasExited)
            {
                silo.Kill(entireProcessTree: true);
                await silo.WaitForExitAsync();
            }
            File.Delete(samples);
        }
    }

    private static void Keep(ConcurrentQueue<string> output, string? line)
    {
        if (line is null)
        {
            return;
        }
        output.Enqueue(line);
        while (output.Count > 200 && output.TryDequeue(out _))
        {
        }
    }

    private static async Task WaitReadyAsync(HttpClient http, Process silo, ConcurrentQueue<string> output)
    {
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < TimeSpan.FromSeconds(90) && !silo.HasExited)
        {
            try
            {
                using var response = await http.GetAsync("health/ready");
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // not listening yet
            }
            await Task.Delay(250);
        }
        throw new TimeoutException($"silo not ready (exited: {silo.HasExited}):\n{string.Join('\n', output.TakeLast(30))}");
    }

    internal sealed class Tally
    {
        public long Strangers;
        public long Sightings;
        public long Failed;
        public long NewVisits;
    }

    private static async Task<Tally> DriveAsync(HttpClient http, SoakSettings settings, Process silo)
    {
        var tally = new Tally();
        var run = Guid.NewGuid().ToString("N")[..8];
        var total = (long)(settings.Duration.TotalSeconds * settings.StrangersPerSecond);
        var gap = TimeSpan.FromSeconds(1 / settings.StrangersPerSecond);
        var clock = Stopwatch.StartNew();
        var visits = new List<Task>();
        for (long n = 0; n < total && !silo.HasExited; n++)
        {
            var due = gap * n;
            if (due > clock.Elapsed)
            {
                await Task.Delay(due - clock.Elapsed);
            }
            visits.Add(VisitAsync(http, tally, run, n));
            visits.RemoveAll(t => t.IsCompleted);
            if (n % (long)Math.Max(1, settings.StrangersPerSecond * 60) == 0)
            {
                Console.WriteLine($"  {clock.Elapsed.TotalMinutes:N1} min: {tally.Strangers} strangers, {tally.NewVisits} new visits, {tally.Failed} failed sightings");
            }
        }
        await Task.WhenAll(visits);
        return tally;
    }

    /// <summary>One stranger's stay: the entrance, the lobby 6 s later, and (every other one) the exit 6 s after that.</summary>
    private static async Task VisitAsync(HttpClient http, Tally tally, string run, long n)
    {
        Interlocked.Increment(ref tally.Strangers);
        var branch = Branches[n % Branches.Length];
        var face = $"soak-{run}-{n}";
        await SightAsync(http, tally, branch, "entrance", $"{face}-e", face, countNew: true);
        await Task.Delay(TimeSpan.FromSeconds(6));
        await SightAsync(http, tally, branch, "lobby", $"{face}-l", face, countNew: false);
        if (n % 2 == 0)
        {
            await Task.Delay(TimeSpan.FromSeconds(6));
            await SightAsync(http, tally, branch, "exit", $"{face}-x", face, countNew: false);
        }
    }

    private static async Task SightAsync(HttpClient http, Tally tally, string branch, string camera, string track, string face, bool countNew)
    {
        var body = $$"""{"branchId":"{{branch}}","cameraId":"{{camera}}","trackId":"{{track}}","capturedAt":"{{DateTimeOffset.UtcNow:O}}","faceToken":"{{face}}"}""";
        Interlocked.Increment(ref tally.Sightings);
        try
        {
            using var response = await http.PostAsync("api/v1/sightings", new StringContent(body, Encoding.UTF8, "application/json"));
            var text = await response.Content.ReadAsStringAsync();
            if (response.StatusCode != HttpStatusCode.OK)
            {
                Interlocked.Increment(ref tally.Failed);
            }
            else if (countNew && text.Contains("\"new-visit\"", StringComparison.Ordinal))
            {
                Interlocked.Increment(ref tally.NewVisits);
            }
        }
        catch (Exception failure) when (failure is HttpRequestException or TaskCanceledException)
        {
            Interlocked.Increment(ref tally.Failed);
        }
    }

    internal sealed record Sample(double Seconds, long LiveHeap, long HeapSize, long WorkingSet);

    private static List<Sample> ReadSamples(string path) =>
        !File.Exists(path) ? [] : [.. File.ReadAllLines(path).Select(l => l.Split(',')).Where(p => p.Length >= 4).Select(p => new Sample(
            double.Parse(p[0], CultureInfo.InvariantCulture), long.Parse(p[1], CultureInfo.InvariantCulture),
            long.Parse(p[2], CultureInfo.InvariantCulture), long.Parse(p[3], CultureInfo.InvariantCulture)))];

    private static string Report(SoakSettings settings, string command, List<Sample> rows, Tally tally)
    {
        static string Mb(long bytes) => (bytes / 1024.0 / 1024.0).ToString("N0", CultureInfo.InvariantCulture);
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"# Soak: {settings.Label}");
        text.AppendLine();
        text.AppendLine(CultureInfo.InvariantCulture, $"`{command}` on {Environment.ProcessorCount} cores, {DateTimeOffset.UtcNow:yyyy-MM-dd HH:mm} UTC.");
        text.AppendLine(CultureInfo.InvariantCulture, $"Silo: `{settings.SiloDll}` `--demo --Demo:Duration=00:00:00 {string.Join(' ', settings.SiloArgs)}` (demo feed on, inactivity timeout 20 s).");
        text.AppendLine(CultureInfo.InvariantCulture, $"Driven: {tally.Strangers:N0} new strangers ({settings.StrangersPerSecond}/s for {settings.Duration.TotalMinutes:N0} min), {tally.Sightings:N0} sightings, {tally.NewVisits:N0} new visits, {tally.Failed:N0} sightings not answered 200.");
        text.AppendLine();
        text.AppendLine("Live GC heap after a forced full compacting collection; working set (RSS) of the silo process. Sampled every 10 s by a startup hook in the silo.");
        text.AppendLine();
        text.AppendLine("| at | live GC heap MB | working set MB |");
        text.AppendLine("|---|---:|---:|");
        foreach (var at in new[] { 30, 120, 300, 600, 900 }.Where(s => rows.Count > 0 && s <= rows[^1].Seconds + 5))
        {
            var sample = rows.MinBy(r => Math.Abs(r.Seconds - at))!;
            text.AppendLine(CultureInfo.InvariantCulture, $"| {TimeSpan.FromSeconds(at):m\\:ss} | {Mb(sample.LiveHeap)} | {Mb(sample.WorkingSet)} |");
        }
        if (rows.Count > 0)
        {
            var end = rows[^1];
            text.AppendLine(CultureInfo.InvariantCulture, $"| end ({end.Seconds:N0} s) | {Mb(end.LiveHeap)} | {Mb(end.WorkingSet)} |");
            var half = rows.Where(r => r.Seconds >= end.Seconds / 2).ToList();
            if (half.Count >= 2)
            {
                var minutes = (half[^1].Seconds - half[0].Seconds) / 60;
                text.AppendLine();
                text.AppendLine(CultureInfo.InvariantCulture,
                    $"Second half ({half[0].Seconds:N0}-{half[^1].Seconds:N0} s): live heap {Mb(half.Min(r => r.LiveHeap))}-{Mb(half.Max(r => r.LiveHeap))} MB, "
                    + $"growth {(half[^1].LiveHeap - half[0].LiveHeap) / 1024.0 / 1024.0 / minutes:N2} MB/min; working set {Mb(half.Min(r => r.WorkingSet))}-{Mb(half.Max(r => r.WorkingSet))} MB, "
                    + $"growth {(half[^1].WorkingSet - half[0].WorkingSet) / 1024.0 / 1024.0 / minutes:N2} MB/min.");
            }
        }
        text.AppendLine();
        text.AppendLine("<details><summary>every sample (s, live heap MB, working set MB)</summary>");
        text.AppendLine();
        text.AppendLine(string.Join(", ", rows.Select(r => $"{r.Seconds:N0}:{Mb(r.LiveHeap)}/{Mb(r.WorkingSet)}")));
        text.AppendLine();
        text.AppendLine("</details>");
        return text.ToString();
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>The silo's Release build in this repository.</summary>
    public static string DefaultSiloDll() => Path.Combine(RepositoryPaths.Root, "silo", "bin", "Release", "net10.0", "NextGenCrm.Silo.dll");
}
