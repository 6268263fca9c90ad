using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using NextGenCrm.TestSupport;

namespace NextGenCrm.LocalStore.Tests;

/// <summary>The real silo, from its build output, as a child process on 127.0.0.1 and free ports, with the arguments given.</summary>
public sealed class SiloProcess : IDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _lines = new();

    private SiloProcess(Process process, Uri baseUrl)
    {
        _process = process;
        BaseUrl = baseUrl;
        _process.OutputDataReceived += (_, e) => { if (e.Data is not null) { _lines.Enqueue(e.Data); } };
        _process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { _lines.Enqueue(e.Data); } };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public Uri BaseUrl { get; }

    public IReadOnlyCollection<string> Lines => _lines;

    public static async Task<SiloProcess> StartAsync(IEnumerable<string> args, CancellationToken cancellationToken)
    {
        var output = SiloOutput();
        var dll = Path.Combine(output, "NextGenCrm.Silo.dll");
        var http = FreePort();
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = output,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in (string[])[dll, $"--Urls=http://127.0.0.1:{http}", $"--Orleans:SiloPort={FreePort()}", $"--Orleans:GatewayPort={FreePort()}", .. args])
        {
            start.ArgumentList.Add(arg);
        }
        start.Environment["DOTNET_NOLOGO"] = "1";
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        var silo = new SiloProcess(Process.Start(start)!, new Uri($"http://127.0.0.1:{http}/"));
        try
        {
            await silo.WaitUntilReadyAsync(TimeSpan.FromSeconds(60), cancellationToken);
            return silo;
        }
        catch
        {
            silo.Dispose();
            throw;
        }
    }

    /// <summary>
    /// A token from the silo's own <c>tokens</c> subcommand, signed with the key file a silo on <paramref name="dataDir"/>
    /// made at its first start (every <c>/api/v1</c> call needs one).
    /// </summary>
    public static async Task<string> IssueTokenAsync(string dataDir, string role, CancellationToken cancellationToken)
    {
        var output = SiloOutput();
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = output,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in (string[])[Path.Combine(output, "NextGenCrm.Silo.dll"), "tokens", "--role", role, "--key-file", Path.Combine(dataDir, "signing-key.json")])
        {
            start.ArgumentList.Add(arg);
        }
        using var tokens = Process.Start(start)!;
        var printed = await tokens.StandardOutput.ReadToEndAsync(cancellationToken);
        var error = await tokens.StandardError.ReadToEndAsync(cancellationToken);
        await tokens.WaitForExitAsync(cancellationToken);
        return tokens.ExitCode == 0 ? printed.Trim() : throw new InvalidOperationException($"silo tokens failed ({tokens.ExitCode}): {error}");
    }

    private static string SiloOutput()
    {
        var configuration = AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}", StringComparison.Ordinal) ? "Release" : "Debug";
        return Path.Combine(RepositoryPaths.Root, "silo", "bin", configuration, "net10.0");
    }

    /// <summary>SIGKILL: no shutdown, no last write; what is on disk is what a crash leaves.</summary>
    public void Kill()
    {
        _process.Kill(entireProcessTree: false);
        _process.WaitForExit();
    }

    private async Task WaitUntilReadyAsync(TimeSpan timeout, CancellationToken cancellationToken)
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
                // not listening yet
            }
            await Task.Delay(200, cancellationToken);
        }
        throw new TimeoutException($"silo not ready within {timeout} (exited: {_process.HasExited}). Output:\n{string.Join('\n', _lines.TakeLast(40))}");
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
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
