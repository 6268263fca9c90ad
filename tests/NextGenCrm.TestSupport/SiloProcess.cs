using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace NextGenCrm.TestSupport;

/// <summary>
/// The real silo, from its own build output, as a child process on 127.0.0.1 and free ports, with the arguments
/// given; <see cref="IssueTokenAsync"/> signs tokens with its development key file, through its own <c>tokens</c> subcommand.
/// </summary>
public sealed class SiloProcess : IDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _lines = new();
    private readonly string _keyFile;

    private SiloProcess(Process process, Uri baseUrl, string keyFile)
    {
        _process = process;
        _keyFile = keyFile;
        BaseUrl = baseUrl;
        _process.OutputDataReceived += (_, e) => { if (e.Data is not null) { _lines.Enqueue(e.Data); } };
        _process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { _lines.Enqueue(e.Data); } };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public Uri BaseUrl { get; }

    public IReadOnlyCollection<string> Lines => _lines;

    /// <param name="args">The silo's own arguments (a data folder, settings).</param>
    /// <param name="keyFile">The development signing key the silo uses (the one it makes on first start, or one given in <paramref name="args"/>).</param>
    public static async Task<SiloProcess> StartAsync(IEnumerable<string> args, string keyFile, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var output = SiloOutput();
        var dll = Path.Combine(output, "NextGenCrm.Silo.dll");
        if (!File.Exists(dll))
        {
            throw new FileNotFoundException("Build the silo first", dll);
        }
        var http = FreePort();
        // The silo reads appsettings.json and demo-customers.json from its content root.
        var start = Start(output, [dll, $"--Urls=http://127.0.0.1:{http}", $"--Orleans:Endpoints:SiloPort={FreePort()}", $"--Orleans:Endpoints:GatewayPort={FreePort()}", .. args]);
        start.Environment["DOTNET_NOLOGO"] = "1";
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        var silo = new SiloProcess(Process.Start(start)!, new Uri($"http://127.0.0.1:{http}/"), keyFile);
        try
        {
            await silo.WaitUntilReadyAsync(timeout, cancellationToken);
            return silo;
        }
        catch
        {
            silo.Dispose();
            throw;
        }
    }

    /// <summary>A token from the silo's own <c>tokens</c> subcommand, signed with this silo's key file.</summary>
    public async Task<string> IssueTokenAsync(string role, params string[] branches)
    {
        var output = SiloOutput();
        string[] args = [Path.Combine(output, "NextGenCrm.Silo.dll"), "tokens", "--role", role, "--key-file", _keyFile, .. branches.SelectMany(b => new[] { "--branch", b })];
        using var tokens = Process.Start(Start(output, args))!;
        var printed = await tokens.StandardOutput.ReadToEndAsync();
        var error = await tokens.StandardError.ReadToEndAsync();
        await tokens.WaitForExitAsync();
        return tokens.ExitCode == 0 ? printed.Trim() : throw new InvalidOperationException($"silo tokens failed ({tokens.ExitCode}): {error}");
    }

    /// <summary>SIGKILL: no shutdown, no last write; what is on disk is what a crash leaves.</summary>
    public void Kill()
    {
        _process.Kill(entireProcessTree: false);
        _process.WaitForExit();
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static string SiloOutput()
    {
        var configuration = AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}", StringComparison.Ordinal) ? "Release" : "Debug";
        return Path.Combine(RepositoryPaths.Root, "silo", "bin", configuration, "net10.0");
    }

    private static ProcessStartInfo Start(string workingDirectory, IEnumerable<string> args)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }
        return start;
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
                // Not listening yet.
            }
            catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                // A probe slower than 5 s (a loaded machine, a cold start): not ready yet.
            }
            await Task.Delay(200, cancellationToken);
        }
        throw new TimeoutException($"silo not ready within {timeout} (exited: {_process.HasExited}). Output:\n{string.Join('\n', _lines.TakeLast(40))}");
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
