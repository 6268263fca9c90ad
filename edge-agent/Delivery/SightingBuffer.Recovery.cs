using System.Globalization;
using Microsoft.Extensions.Logging;

namespace NextGenCrm.EdgeAgent.Delivery;

public sealed partial class SightingBuffer
{
    /// <summary>Rebuilds the in-memory view from disk after a restart or a crash.</summary>
    private void Recover()
    {
        var committed = ReadCommit();
        var numbers = Directory.EnumerateFiles(_directory, "*" + SegmentExtension)
            .Select(path => long.TryParse(Path.GetFileNameWithoutExtension(path), NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : -1)
            .Where(n => n > 0)
            .Order()
            .ToList();
        foreach (var number in numbers)
        {
            if (number < committed.Segment)
            {
                File.Delete(SegmentPath(number)); // delivered; its deletion was cut short
                continue;
            }
            var from = number == committed.Segment ? committed.Offset : 0;
            var (validLength, pending) = Scan(number, from);
            _segments[number] = validLength;
            _depth += pending;
        }
        if (_segments.Count == 0)
        {
            _head = new BufferPosition(Math.Max(1, committed.Segment), 0);
            StartSegment(_head.Segment);
        }
        else
        {
            var first = _segments.Keys.First();
            _head = committed.Segment == first ? committed with { Offset = Math.Min(committed.Offset, _segments[first]) } : new BufferPosition(first, 0);
            StartSegment(_segments.Keys.Last());
        }
        if (_depth > 0)
        {
            LogRecovered(_depth, _directory);
        }
    }

    /// <summary>The oldest undelivered record as stored (sealed or not), or null when there is none.</summary>
    private byte[]? PeekHead()
    {
        if (_depth == 0)
        {
            return null;
        }
        foreach (var (number, length) in _segments)
        {
            var from = number == _head.Segment ? _head.Offset : 0;
            if (number < _head.Segment || from >= length)
            {
                continue;
            }
            using var stream = OpenForRead(number);
            stream.Position = from;
            return SegmentRecords.ReadNext(stream);
        }
        return null;
    }

    /// <summary>Finds the valid end of a segment (truncating a torn tail) and counts records at or after <paramref name="from"/>.</summary>
    private (long ValidLength, long Pending) Scan(long number, long from)
    {
        long pending = 0;
        long valid;
        using (var stream = OpenForRead(number))
        {
            valid = 0;
            while (SegmentRecords.Skip(stream))
            {
                if (valid >= from)
                {
                    pending++;
                }
                valid = stream.Position;
            }
        }
        var actual = new FileInfo(SegmentPath(number)).Length;
        if (actual > valid)
        {
            LogTornTail(number, actual - valid);
            using var file = new FileStream(SegmentPath(number), FileMode.Open, FileAccess.Write);
            file.SetLength(valid);
            file.Flush(flushToDisk: true);
        }
        return (valid, pending);
    }

    private BufferPosition ReadCommit()
    {
        var path = Path.Combine(_directory, CommitFileName);
        if (!File.Exists(path))
        {
            return new BufferPosition(0, 0);
        }
        var parts = File.ReadAllText(path).Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (parts.Length == 2
            && long.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var segment)
            && long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var offset))
        {
            return new BufferPosition(segment, offset);
        }
        LogBadCommitFile(path);
        return new BufferPosition(0, 0);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Sighting buffer at {Directory} holds {Depth} undelivered sightings")]
    private partial void LogRecovered(long depth, string directory);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Sighting buffer segment {Segment}: discarded {Bytes} bytes of a torn or corrupt record")]
    private partial void LogTornTail(long segment, long bytes);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Sighting buffer commit file {Path} is unreadable; redelivering from the oldest segment")]
    private partial void LogBadCommitFile(string path);
}
