using System.Text.Json;
using System.Threading.Channels;
using Microsoft.Extensions.Options;
using NextGenCrm.Ports;

namespace NextGenCrm.Integrations.Embedded;

/// <summary>
/// The embedded audit log: JSON lines appended to <c>{Folder}/{yyyy-MM-dd}.{writer}.jsonl</c>. An append completes once
/// its lines are written to the file (the OS has them: a killed silo loses none); they are forced to disk at least every
/// <see cref="LocalAuditOptions.FlushInterval"/>, so a power cut loses at most that much (an fsync per append held
/// ingest to a fraction). Concurrent appends are written together. Nothing here rewrites or deletes a line.
/// </summary>
public sealed class LocalFileAuditLog : IAuditLog, IAsyncDisposable
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private readonly string _folder;
    private readonly string _writer = $"{Environment.ProcessId}-{Guid.NewGuid():N}"[..24];
    private readonly Channel<Pending> _pending = Channel.CreateUnbounded<Pending>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Task _writing;
    private readonly TimeSpan _flushInterval;
    private FileStream? _file;
    private string? _fileDay;
    private long _flushedAt = Environment.TickCount64;

    public LocalFileAuditLog(IOptions<LocalAuditOptions> options)
    {
        _folder = Path.GetFullPath(options.Value.Folder);
        _flushInterval = options.Value.FlushInterval;
        Directory.CreateDirectory(_folder);
        _writing = Task.Run(WriteLoopAsync);
    }

    public string Folder => _folder;

    public Task AppendAsync(IReadOnlyList<AuditEntry> entries, CancellationToken cancellationToken)
    {
        if (entries.Count == 0)
        {
            return Task.CompletedTask;
        }
        var pending = new Pending(entries, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        if (!_pending.Writer.TryWrite(pending))
        {
            throw new IOException("The audit log is closed.");
        }
        return pending.Written.Task.WaitAsync(cancellationToken);
    }

    public async Task<IReadOnlyList<AuditEntry>> ReadAsync(AuditQuery query, CancellationToken cancellationToken)
    {
        var found = new List<AuditEntry>();
        for (var day = query.From.UtcDateTime.Date; day <= query.To.UtcDateTime.Date; day = day.AddDays(1))
        {
            foreach (var path in Directory.EnumerateFiles(_folder, $"{day:yyyy-MM-dd}.*.jsonl"))
            {
                await using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
                using var reader = new StreamReader(stream);
                while (await reader.ReadLineAsync(cancellationToken) is { } line)
                {
                    // A line cut short by a crash is skipped, not fatal.
                    if (line.Length > 0 && TryParse(line) is { } entry && query.Matches(entry))
                    {
                        found.Add(entry);
                    }
                }
            }
        }
        return [.. found.OrderBy(e => e.At).ThenBy(e => e.EntryId, StringComparer.Ordinal).Take(query.Limit)];
    }

    private static AuditEntry? TryParse(string line)
    {
        try
        {
            return JsonSerializer.Deserialize<AuditEntry>(line, Json);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private async Task WriteLoopAsync()
    {
        var batch = new List<Pending>();
        while (await WaitToReadAsync())
        {
            batch.Clear();
            while (batch.Count < 4096 && _pending.Reader.TryRead(out var next))
            {
                batch.Add(next);
            }
            try
            {
                foreach (var group in batch.SelectMany(p => p.Entries).GroupBy(e => e.At.UtcDateTime.Date))
                {
                    var file = FileFor(group.Key);
                    using var lines = new MemoryStream();
                    foreach (var entry in group)
                    {
                        JsonSerializer.Serialize(lines, entry, Json);
                        lines.WriteByte((byte)'\n');
                    }
                    file.Write(lines.GetBuffer(), 0, (int)lines.Length);
                    file.Flush(flushToDisk: false);
                }
                FlushToDiskIfDue();
                batch.ForEach(p => p.Written.TrySetResult());
            }
            catch (Exception failure)
            {
                // The callers learn it: a personal read whose audit entry was not written fails.
                batch.ForEach(p => p.Written.TrySetException(failure));
                _file?.Dispose();
                _file = null;
                _fileDay = null;
            }
        }
    }

    /// <summary>Waits for appends; when none come for a flush interval, forces what was written to disk.</summary>
    private async Task<bool> WaitToReadAsync()
    {
        var waiting = _pending.Reader.WaitToReadAsync().AsTask();
        if (_file is not null && await Task.WhenAny(waiting, Task.Delay(_flushInterval)) != waiting)
        {
            FlushToDiskIfDue(force: true);
        }
        return await waiting;
    }

    private void FlushToDiskIfDue(bool force = false)
    {
        if (_file is not null && (force || Environment.TickCount64 - _flushedAt >= _flushInterval.TotalMilliseconds))
        {
            _file.Flush(flushToDisk: true);
            _flushedAt = Environment.TickCount64;
        }
    }

    private FileStream FileFor(DateTime day)
    {
        var name = $"{day:yyyy-MM-dd}";
        if (_file is not null && _fileDay == name)
        {
            return _file;
        }
        _file?.Flush(flushToDisk: true);
        _file?.Dispose();
        Directory.CreateDirectory(_folder);
        _file = new FileStream(Path.Combine(_folder, $"{name}.{_writer}.jsonl"), FileMode.Append, FileAccess.Write, FileShare.Read);
        _fileDay = name;
        return _file;
    }

    public async ValueTask DisposeAsync()
    {
        _pending.Writer.TryComplete();
        await _writing;
        _file?.Flush(flushToDisk: true);
        _file?.Dispose();
    }

    private sealed record Pending(IReadOnlyList<AuditEntry> Entries, TaskCompletionSource Written);
}
