using System.Diagnostics;
using System.Net.Sockets;
using System.Text.RegularExpressions;

namespace NextGenCrm.TestSupport;

/// <summary>
/// The fauxqs SQS/SNS/S3 emulator (npm fauxqs@2.4.1 in tools/fauxqs), in memory, on 127.0.0.1 and a
/// free port. It accepts any credentials and does not enforce presigned URL expiry. The Node process
/// dies with this object, with the test process, or when its standard input closes.
/// </summary>
public sealed partial class Fauxqs : IAsyncDisposable
{
    /// <summary>Region fauxqs puts into ARNs and queue URLs; sign requests for it.</summary>
    public const string Region = "us-east-1";

    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);
    private readonly Process _process;
    private readonly EventHandler _killOnExit;
    private int _disposed;

    private Fauxqs(Process process, int port)
    {
        _process = process;
        Port = port;
        ServiceUrl = $"http://127.0.0.1:{port}";
        _killOnExit = (_, _) => Kill(_process);
        AppDomain.CurrentDomain.ProcessExit += _killOnExit;
    }

    public int Port { get; }

    /// <summary>One endpoint for the SQS, SNS and S3 clients (S3 needs ForcePathStyle).</summary>
    public string ServiceUrl { get; }

    public static async Task<Fauxqs> StartAsync(CancellationToken cancellationToken = default)
    {
        var toolDir = RepositoryPaths.Tools("fauxqs");
        if (!File.Exists(Path.Combine(toolDir, "node_modules", "fauxqs", "package.json")))
        {
            throw new InvalidOperationException($"fauxqs is not installed under {toolDir}. Run scripts/setup.sh (npm ci in tools/fauxqs).");
        }
        var start = new ProcessStartInfo("node")
        {
            WorkingDirectory = toolDir,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("start.mjs");
        start.Environment["FAUXQS_DEFAULT_REGION"] = Region;

        var log = new List<string>();
        var port = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        var process = new Process { StartInfo = start, EnableRaisingEvents = true };
        void Record(string? line)
        {
            if (line is null)
            {
                return;
            }
            lock (log)
            {
                log.Add(line);
                if (log.Count > 40)
                {
                    log.RemoveAt(0);
                }
            }
            if (ListeningLine().Match(line) is { Success: true } m)
            {
                port.TrySetResult(int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture));
            }
        }
        string Log()
        {
            lock (log)
            {
                return string.Join(Environment.NewLine, log);
            }
        }
        process.OutputDataReceived += (_, e) => Record(e.Data);
        process.ErrorDataReceived += (_, e) => Record(e.Data);
        process.Exited += (_, _) => port.TrySetException(new InvalidOperationException(
            $"fauxqs exited before listening (exit code {process.ExitCode}):{Environment.NewLine}{Log()}"));
        try
        {
            process.Start();
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            process.Dispose();
            throw new InvalidOperationException($"Cannot start node for fauxqs: {e.Message}", e);
        }
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        try
        {
            var instance = new Fauxqs(process, await port.Task.WaitAsync(StartTimeout, cancellationToken));
            using var probe = new TcpClient();
            await probe.ConnectAsync("127.0.0.1", instance.Port, cancellationToken);
            return instance;
        }
        catch (TimeoutException)
        {
            Kill(process);
            throw new TimeoutException($"fauxqs did not report its port within {StartTimeout}:{Environment.NewLine}{Log()}");
        }
        catch
        {
            Kill(process);
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }
        AppDomain.CurrentDomain.ProcessExit -= _killOnExit;
        Kill(_process);
        try
        {
            await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
        }
        catch (TimeoutException)
        {
            // Killed already; do not hang the test run.
        }
        _process.Dispose();
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

    [GeneratedRegex(@"^fauxqs listening on (\d+)$")]
    private static partial Regex ListeningLine();
}
