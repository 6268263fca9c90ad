using NextGenCrm.TestSupport;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.RegularExpressions;

namespace NextGenCrm.EdgeAgent.Tests;

/// <summary>The real agent as a child process (`dotnet NextGenCrm.EdgeAgent.dll run …`), its output collected.</summary>
public sealed partial class AgentProcess : IDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _lines = new();

    private AgentProcess(Process process)
    {
        _process = process;
        _process.OutputDataReceived += (_, e) => { if (e.Data is not null) { _lines.Enqueue(e.Data); } };
        _process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { _lines.Enqueue(e.Data); } };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public IReadOnlyCollection<string> Lines => _lines;

    public bool HasExited => _process.HasExited;

    /// <summary>The agent's own build output, which carries its deps.json and native libraries.</summary>
    public static string AgentDll
    {
        get
        {
            var configuration = AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}", StringComparison.Ordinal) ? "Release" : "Debug";
            var path = Path.Combine(RepositoryPaths.Root, "edge-agent", "bin", configuration, "net10.0", "NextGenCrm.EdgeAgent.dll");
            return File.Exists(path) ? path : throw new FileNotFoundException("Build edge-agent first", path);
        }
    }

    public static AgentProcess Start(string configFile, IReadOnlyDictionary<string, string>? environment = null)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(AgentDll);
        start.ArgumentList.Add("run");
        start.ArgumentList.Add("--config");
        start.ArgumentList.Add(configFile);
        start.Environment["DOTNET_NOLOGO"] = "1";
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }
        return new AgentProcess(Process.Start(start)!);
    }

    /// <summary>Ids of the tracks the camera reported starting ("Camera {id}: track {trackId} started").</summary>
    public HashSet<string> TracksStarted(string cameraId) =>
        _lines.Select(l => TrackStartedLine().Match(l)).Where(m => m.Success && m.Groups[1].Value == cameraId).Select(m => m.Groups[2].Value).ToHashSet();

    [GeneratedRegex(@"Camera (\S+): track (\S+) started")]
    private static partial Regex TrackStartedLine();

    public async Task WaitForLineAsync(string fragment, TimeSpan timeout)
    {
        var deadline = Stopwatch.StartNew();
        while (!_lines.Any(l => l.Contains(fragment, StringComparison.Ordinal)))
        {
            if (deadline.Elapsed > timeout || _process.HasExited)
            {
                throw new TimeoutException($"agent never printed '{fragment}' (exited: {_process.HasExited}). Output:\n{string.Join('\n', _lines.TakeLast(40))}");
            }
            await Task.Delay(50);
        }
    }

    /// <summary>kill -9: no shutdown code runs, nothing is flushed.</summary>
    public void KillHard()
    {
        _process.Kill(entireProcessTree: true);
        _process.WaitForExit();
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit();
        }
        _process.Dispose();
    }
}
