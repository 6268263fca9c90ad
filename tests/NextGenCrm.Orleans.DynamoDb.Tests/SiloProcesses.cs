using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using NextGenCrm.TestSupport;

namespace NextGenCrm.Orleans.DynamoDb.Tests;

/// <summary>
/// The real silo (its own build output, <c>dotnet NextGenCrm.Silo.dll</c>, no <c>dotnet run</c> wrapper) as
/// child processes on 127.0.0.1, clustered on DynamoDB Local. <see cref="SiloProcess.Kill"/> is a SIGKILL of
/// that very process: no deactivation, no flush, no goodbye to the membership table.
/// </summary>
public sealed class SiloProcesses(IReadOnlyList<string> sharedArguments, IReadOnlyDictionary<string, string> environment) : IAsyncDisposable
{
    private readonly List<SiloProcess> _silos = [];

    public IReadOnlyList<SiloProcess> Silos => _silos;

    public async Task<SiloProcess> StartAsync(CancellationToken cancellationToken)
    {
        var silo = SiloProcess.Start(_silos.Count + 1, sharedArguments, environment);
        _silos.Add(silo);
        await silo.WaitUntilReadyAsync(TimeSpan.FromSeconds(120), cancellationToken);
        return silo;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var silo in _silos)
        {
            await silo.DisposeAsync();
        }
    }

    /// <summary>Distinct free ports: each listener is held until all are picked, so the OS cannot hand one out twice.</summary>
    public static int[] FreeLoopbackPorts(int count)
    {
        var listeners = Enumerable.Range(0, count).Select(_ => new TcpListener(IPAddress.Loopback, 0)).ToList();
        try
        {
            listeners.ForEach(l => l.Start());
            return [.. listeners.Select(l => ((IPEndPoint)l.LocalEndpoint).Port)];
        }
        finally
        {
            listeners.ForEach(l => l.Stop());
        }
    }
}

public sealed class SiloProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _lines = new();

    private SiloProcess(int number, Process process, Uri baseUrl, int siloPort)
    {
        Number = number;
        _process = process;
        BaseUrl = baseUrl;
        SiloPort = siloPort;
        _process.OutputDataReceived += (_, e) => Keep(e.Data);
        _process.ErrorDataReceived += (_, e) => Keep(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public int Number { get; }
    public Uri BaseUrl { get; }
    public int SiloPort { get; }
    public int ProcessId => _process.Id;
    public bool HasExited => _process.HasExited;

    /// <summary>The silo's last lines of output, for a failure message.</summary>
    public string Tail(int lines = 30) => string.Join(Environment.NewLine, _lines.TakeLast(lines));

    internal static SiloProcess Start(int number, IReadOnlyList<string> sharedArguments, IReadOnlyDictionary<string, string> environment)
    {
        var configuration = AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}", StringComparison.Ordinal) ? "Release" : "Debug";
        var output = Path.Combine(RepositoryPaths.Root, "silo", "bin", configuration, "net10.0");
        var dll = Path.Combine(output, "NextGenCrm.Silo.dll");
        if (!File.Exists(dll))
        {
            throw new FileNotFoundException("Build the silo first", dll);
        }
        var ports = SiloProcesses.FreeLoopbackPorts(3);
        var (http, siloPort, gatewayPort) = (ports[0], ports[1], ports[2]);
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = output,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(dll);
        start.ArgumentList.Add($"--Urls=http://127.0.0.1:{http}");
        start.ArgumentList.Add($"--Orleans:Endpoints:SiloPort={siloPort}");
        start.ArgumentList.Add($"--Orleans:Endpoints:GatewayPort={gatewayPort}");
        foreach (var argument in sharedArguments)
        {
            start.ArgumentList.Add(argument);
        }
        start.Environment["DOTNET_NOLOGO"] = "1";
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }
        return new SiloProcess(number, Process.Start(start)!, new Uri($"http://127.0.0.1:{http}/"), siloPort);
    }

    internal async Task WaitUntilReadyAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var http = new HttpClient { BaseAddress = BaseUrl, Timeout = TimeSpan.FromSeconds(5) };
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < timeout && !_process.HasExited)
        {
            try
            {
                using var response = await http.GetAsync("health/ready", cancellationToken);
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }
            catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                // Slow to answer while it joins.
            }
            await Task.Delay(250, cancellationToken);
        }
        throw new TimeoutException($"silo {Number} not ready within {timeout} (exited: {_process.HasExited}). Output:{Environment.NewLine}{Tail(40)}");
    }

    /// <summary>SIGTERM, as Kubernetes sends at a pod's deletion and systemd at a stop: the silo leaves gracefully.</summary>
    public void Terminate()
    {
        if (Kill(_process.Id, 15) != 0)
        {
            throw new InvalidOperationException($"kill -TERM {_process.Id} failed: errno {Marshal.GetLastPInvokeError()}");
        }
    }

    /// <summary>Waits for the process to end; its exit code.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        await _process.WaitForExitAsync(cancellationToken).WaitAsync(timeout, cancellationToken);
        return _process.ExitCode;
    }

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);

    /// <summary>SIGKILL: the process ends at once, in whatever it was doing.</summary>
    public void Kill()
    {
        // Process.Kill() on Linux is kill(pid, SIGKILL) of this process: the silo itself, started without a wrapper.
        _process.Kill();
        _process.WaitForExit();
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
    }

    private void Keep(string? line)
    {
        if (line is null)
        {
            return;
        }
        _lines.Enqueue(line);
        while (_lines.Count > 200 && _lines.TryDequeue(out _))
        {
        }
    }
}
