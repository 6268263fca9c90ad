using System.Runtime.CompilerServices;
using Microsoft.Extensions.Logging;
using NextGenCrm.EdgeAgent.Configuration;
using NextGenCrm.EdgeAgent.Detection;
using NextGenCrm.EdgeAgent.Hosting;

namespace NextGenCrm.EdgeAgent.Cameras;

/// <summary>
/// A folder a camera (e.g. an AWS DeepLens) drops JPEG/PNG snapshots into. Files are taken oldest
/// first once their size has stopped changing (the writer is done), then deleted (or moved to
/// processed/). Unreadable files — corrupt, truncated, too large, not images — are logged by name
/// and moved to rejected/ so they are not read again; the camera keeps running.
/// </summary>
public sealed partial class DropFolderSource(CameraOptions camera, AgentMetrics metrics, TimeProvider time, ILogger logger) : ICameraSource
{
    private static readonly HashSet<string> TemporaryExtensions = new(StringComparer.OrdinalIgnoreCase) { ".tmp", ".part", ".partial", ".swp" };

    public async IAsyncEnumerable<CameraFrame> ReadFramesAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var folder = Path.GetFullPath(camera.Path);
        Directory.CreateDirectory(folder);
        LogWatching(camera.Id, folder);
        var sizes = new Dictionary<string, long>(StringComparer.Ordinal);
        while (!cancellationToken.IsCancellationRequested)
        {
            var ready = new List<FileInfo>();
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var file in new DirectoryInfo(folder).EnumerateFiles().OrderBy(f => f.LastWriteTimeUtc).ThenBy(f => f.Name, StringComparer.Ordinal))
            {
                if (file.Name.StartsWith('.') || TemporaryExtensions.Contains(file.Extension))
                {
                    continue;
                }
                seen.Add(file.FullName);
                // Taken only when two polls agree on the size: the camera may still be writing it.
                if (sizes.TryGetValue(file.FullName, out var before) && before == file.Length)
                {
                    ready.Add(file);
                }
                sizes[file.FullName] = file.Length;
            }
            foreach (var gone in sizes.Keys.Where(k => !seen.Contains(k)).ToList())
            {
                sizes.Remove(gone);
            }
            foreach (var file in ready)
            {
                sizes.Remove(file.FullName);
                var frame = Read(file);
                if (frame is not null)
                {
                    yield return frame;
                }
            }
            await Task.Delay(camera.PollInterval, time, cancellationToken);
        }
    }

    private CameraFrame? Read(FileInfo file)
    {
        try
        {
            if (file.Length > camera.MaxImageBytes)
            {
                throw new UnreadableImageException($"{file.Length} bytes is over the limit of {camera.MaxImageBytes} (MaxImageBytes)");
            }
            var bitmap = ImageDecoding.Decode(File.ReadAllBytes(file.FullName));
            var frame = new CameraFrame(bitmap, new DateTimeOffset(file.LastWriteTimeUtc, TimeSpan.Zero));
            Retire(file, camera.DeleteProcessed ? null : "processed");
            return frame;
        }
        catch (Exception e) when (e is UnreadableImageException or IOException or UnauthorizedAccessException)
        {
            LogSkipped(camera.Id, file.Name, e.Message);
            metrics.ImageSkipped(camera.Id);
            Retire(file, "rejected");
            return null;
        }
    }

    private void Retire(FileInfo file, string? subfolder)
    {
        try
        {
            if (subfolder is null)
            {
                file.Delete();
                return;
            }
            var target = Path.Combine(file.DirectoryName!, subfolder);
            Directory.CreateDirectory(target);
            file.MoveTo(Path.Combine(target, file.Name), overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            LogCannotRetire(camera.Id, file.Name, e.Message);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Camera {CameraId} watches drop folder {Folder}")]
    private partial void LogWatching(string cameraId, string folder);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Camera {CameraId}: skipped {FileName}: {Reason}")]
    private partial void LogSkipped(string cameraId, string fileName, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "Camera {CameraId}: cannot remove {FileName} from the drop folder: {Reason}")]
    private partial void LogCannotRetire(string cameraId, string fileName, string reason);
}
