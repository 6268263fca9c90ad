using NextGenCrm.TestSupport;
using System.Collections.Concurrent;
using System.Diagnostics;

namespace NextGenCrm.EdgeAgent.Tests;

/// <summary>
/// The real silo on its embedded defaults, ephemeral (simulated face search, in-memory storage, localhost
/// clustering) as a child process on 127.0.0.1 and free ports, from its own build output.
/// </summary>
public sealed class SiloProcess : IDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _lines = new();

    private readonly string _dll;
    private readonly string _keyFile;

    private SiloProcess(Process process, Uri baseUrl, string dll, string keyFile)
    {
        _dll = dll;
        _keyFile = keyFile;
        _process = process;
        BaseUrl = baseUrl;
        _process.OutputDataReceived += (_, e) => { if (e.Data is not null) { _lines.Enqueue(e.Data); } };
        _process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { _lines.Enqueue(e.Data); } };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public Uri BaseUrl { get; }

    public IReadOnlyCollection<string> Lines => _lines;

    public static async Task<SiloProcess> StartAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        var configuration = AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}", StringComparison.Ordinal) ? "Release" : "Debug";
        var output = Path.Combine(RepositoryPaths.Root, "silo", "bin", configuration, "net10.0");
        var dll = Path.Combine(output, "NextGenCrm.Silo.dll");
        if (!File.Exists(dll))
        {
            throw new FileNotFoundException("Build the silo first", dll);
        }
        var http = FakeSilo.FreeLoopbackPort();
        var keyFile = Path.Combine(Directory.CreateTempSubdirectory("silo-key-").FullName, "signing-key.json");
        var start = new ProcessStartInfo("dotnet")
        {
            // The silo reads appsettings.json and demo-customers.json from its content root.
            WorkingDirectory = output,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(dll);
        start.ArgumentList.Add("--ephemeral"); // nothing left in the user's data folder by a test
        start.ArgumentList.Add($"--Urls=http://127.0.0.1:{http}");
        start.ArgumentList.Add($"--Orleans:SiloPort={FakeSilo.FreeLoopbackPort()}");
        start.ArgumentList.Add($"--Orleans:GatewayPort={FakeSilo.FreeLoopbackPort()}");
        start.ArgumentList.Add($"--Auth:SigningKeyFile={keyFile}");
        start.ArgumentList.Add($"--Audit:Folder={Path.Combine(Path.GetDirectoryName(keyFile)!, "audit")}");
        start.Environment["DOTNET_NOLOGO"] = "1";
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        var silo = new SiloProcess(Process.Start(start)!, new Uri($"http://127.0.0.1:{http}/"), dll, keyFile);
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

    /// <summary>A token from the silo's own `tokens` subcommand, signed with this silo's key file.</summary>
    public async Task<string> IssueTokenAsync(string role, params string[] branches)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = Path.GetDirectoryName(_dll)!,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[] { _dll, "tokens", "--role", role, "--key-file", _keyFile })
        {
            start.ArgumentList.Add(arg);
        }
        foreach (var branch in branches)
        {
            start.ArgumentList.Add("--branch");
            start.ArgumentList.Add(branch);
        }
        using var tokens = Process.Start(start)!;
        var output = await tokens.StandardOutput.ReadToEndAsync();
        var error = await tokens.StandardError.ReadToEndAsync();
        await tokens.WaitForExitAsync();
        if (tokens.ExitCode != 0)
        {
            throw new InvalidOperationException($"silo tokens failed ({tokens.ExitCode}): {error}");
        }
        return output.Trim();
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
