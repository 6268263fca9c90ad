using System.Diagnostics;
using System.Runtime.InteropServices;

namespace NextGenCrm.EdgeAgent.Tests.Rtsp;

/// <summary>
/// A camera on rtsp://127.0.0.1:{port}/camera: GStreamer's RTSP server (Debian packages installed by
/// scripts/setup.sh) looping one picture as Motion JPEG, in a process of its own so a test can kill it
/// (the camera drops), start it again on the same port (it comes back), or freeze it (it hangs with the
/// connection open).
/// </summary>
public sealed class RtspCamera : IDisposable
{
    private const int SigStop = 19;
    private const int SigCont = 18;

    private readonly string _picture;
    private readonly int _fps;
    private Process? _process;

    private RtspCamera(string picture, int fps)
    {
        _picture = picture;
        _fps = fps;
    }

    public int Port { get; private set; }

    public string Url => $"rtsp://127.0.0.1:{Port}/camera";

    /// <summary>Serves <paramref name="picture"/> (a JPEG) at <paramref name="fps"/> on a free port.</summary>
    public static async Task<RtspCamera> StartAsync(string picture, int fps, CancellationToken cancellationToken)
    {
        var camera = new RtspCamera(picture, fps);
        await camera.RunAsync(0, cancellationToken);
        return camera;
    }

    /// <summary>The camera goes away at once, as a camera losing power does (SIGKILL).</summary>
    public void Kill()
    {
        if (_process is { HasExited: false } process)
        {
            process.Kill();
            process.WaitForExit();
        }
    }

    /// <summary>The camera comes back on the same address.</summary>
    public Task RestartAsync(CancellationToken cancellationToken) => RunAsync(Port, cancellationToken);

    /// <summary>The camera hangs: connections stay open, nothing is sent, nothing is answered.</summary>
    public void Freeze() => Signal(SigStop);

    public void Thaw() => Signal(SigCont);

    public void Dispose()
    {
        if (_process is { HasExited: false })
        {
            Signal(SigCont);
        }
        Kill();
        _process?.Dispose();
    }

    private async Task RunAsync(int port, CancellationToken cancellationToken)
    {
        Kill();
        _process?.Dispose();
        var script = Path.Combine(AppContext.BaseDirectory, "Rtsp", "rtsp_camera.py");
        // Debian's python3 carries the GStreamer bindings (python3-gi); a python3 earlier on PATH may not.
        var python = File.Exists("/usr/bin/python3") ? "/usr/bin/python3" : "python3";
        var start = new ProcessStartInfo(python) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in new[] { script, _picture, _fps.ToString(System.Globalization.CultureInfo.InvariantCulture), port.ToString(System.Globalization.CultureInfo.InvariantCulture) })
        {
            start.ArgumentList.Add(arg);
        }
        var process = Process.Start(start) ?? throw new InvalidOperationException("python3 did not start");
        _process = process;
        var errors = process.StandardError.ReadToEndAsync(CancellationToken.None);
        using var ready = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        ready.CancelAfter(TimeSpan.FromSeconds(30));
        var line = await process.StandardOutput.ReadLineAsync(ready.Token);
        if (line is null || !line.StartsWith("listening ", StringComparison.Ordinal))
        {
            Kill();
            throw new InvalidOperationException(
                $"The test RTSP camera did not start (run scripts/setup.sh: it installs ffmpeg and GStreamer's RTSP server): {await errors}");
        }
        Port = int.Parse(line["listening ".Length..], System.Globalization.CultureInfo.InvariantCulture);
    }

    private void Signal(int signal)
    {
        if (_process is { HasExited: false } process && SendSignal(process.Id, signal) != 0)
        {
            throw new InvalidOperationException($"kill({process.Id}, {signal}) failed: errno {Marshal.GetLastPInvokeError()}");
        }
    }

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int SendSignal(int pid, int signal);
}
