using System.Globalization;
using Microsoft.Extensions.Logging;
using NextGenCrm.EdgeAgent.Configuration;

namespace NextGenCrm.EdgeAgent.Delivery;

/// <summary>
/// Durable FIFO of serialized sightings, bounded in bytes. Records are appended to segment files and
/// fsynced before <see cref="Append"/> returns, so an accepted sighting survives kill -9 and power
/// loss. The delivered prefix is recorded in a "committed" file (replaced atomically); fully delivered
/// segments are deleted. When full, whole oldest segments are dropped and counted.
/// </summary>
public sealed partial class SightingBuffer : IDisposable
{
    private const string SegmentExtension = ".seg";
    private const string CommitFileName = "committed";
    private const string KeyFileName = "buffer.key";

    private readonly Lock _gate = new();
    private readonly SemaphoreSlim _appended = new(0);
    private readonly string _directory;
    private readonly long _maxBytes;
    private readonly long _segmentBytes;
    private readonly ILogger _logger;
    private readonly string _keyFile;
    private readonly BufferSeal _seal;
    private readonly SortedDictionary<long, long> _segments = []; // segment number -> valid length
    private BufferPosition _head;
    private FileStream _tail = null!;
    private long _tailSegment;
    private long _depth;
    private long _dropped;

    public SightingBuffer(BufferOptions options, ILogger<SightingBuffer> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        _directory = Path.GetFullPath(options.Directory);
        _maxBytes = options.MaxBytes;
        _segmentBytes = options.SegmentBytes;
        _logger = logger;
        CreatePrivateDirectory(_directory);
        Recover();
        _keyFile = string.IsNullOrWhiteSpace(options.KeyFile) ? Path.Combine(_directory, KeyFileName) : Path.GetFullPath(options.KeyFile);
        try
        {
            // A new key only for a buffer with no sealed sighting; the oldest one tells whether the key is the right one.
            var head = PeekHead();
            _seal = new BufferSeal(BufferSeal.LoadOrCreateKey(_keyFile, mayCreate: head is null || BufferSeal.IsClear(head)));
            if (head is not null && _seal.Open(head) is null)
            {
                throw new InvalidOperationException(
                    $"The sighting buffer at {_directory} holds {_depth} sightings sealed with another key than {_keyFile}: restore that key file, or move the buffer folder away to start an empty one.");
            }
        }
        catch
        {
            _tail.Dispose();
            throw;
        }
    }

    /// <summary>Sightings waiting for delivery.</summary>
    public long Depth { get { lock (_gate) { return _depth; } } }

    /// <summary>Sightings dropped (oldest first) because the buffer was full, since start.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    public long Bytes { get { lock (_gate) { return _segments.Values.Sum(); } } }

    /// <summary>Appends one record durably, sealed. False when the record alone is larger than the buffer may hold.</summary>
    public bool Append(ReadOnlySpan<byte> payload)
    {
        var record = SegmentRecords.Frame(_seal.Seal(payload));
        lock (_gate)
        {
            if (record.Length > _maxBytes / 2 || payload.Length > SegmentRecords.MaxRecordBytes - BufferSeal.Overhead)
            {
                Interlocked.Increment(ref _dropped);
                LogRecordTooLarge(record.Length);
                return false;
            }
            if (_segments[_tailSegment] > 0 && _segments[_tailSegment] + record.Length > _segmentBytes)
            {
                StartSegment(_tailSegment + 1);
            }
            while (_segments.Values.Sum() + record.Length > _maxBytes && _segments.Count > 1)
            {
                DropOldestSegment();
            }
            _tail.Write(record);
            _tail.Flush(flushToDisk: true);
            _segments[_tailSegment] += record.Length;
            _depth++;
        }
        if (_appended.CurrentCount == 0)
        {
            _appended.Release();
        }
        return true;
    }

    /// <summary>Reads, without removing, the oldest records: at most maxRecords and (beyond the first) maxBytes.</summary>
    public BufferedBatch Read(int maxRecords, long maxBytes)
    {
        lock (_gate)
        {
            var records = new List<byte[]>();
            var ends = new List<BufferPosition>();
            long bytes = 0;
            var position = _head;
            FileStream? stream = null;
            try
            {
                while (records.Count < maxRecords && _segments.TryGetValue(position.Segment, out var length))
                {
                    if (position.Offset >= length)
                    {
                        var next = _segments.Keys.FirstOrDefault(k => k > position.Segment);
                        if (next == 0)
                        {
                            break;
                        }
                        position = new BufferPosition(next, 0);
                        stream?.Dispose();
                        stream = null;
                        continue;
                    }
                    stream ??= OpenForRead(position.Segment);
                    stream.Position = position.Offset;
                    var read = SegmentRecords.ReadNext(stream);
                    if (read is null)
                    {
                        break;
                    }
                    // Checked against the head at start: a record this key cannot open here was sealed with another
                    // since (the key file replaced while the agent ran). Kept on disk, never dropped: delivery stops.
                    var record = _seal.Open(read)
                        ?? throw new InvalidDataException($"A buffered sighting in segment {position.Segment} cannot be opened with the key {_keyFile}.");
                    if (records.Count > 0 && bytes + record.Length > maxBytes)
                    {
                        break;
                    }
                    records.Add(record);
                    bytes += record.Length;
                    position = new BufferPosition(position.Segment, stream.Position);
                    ends.Add(position);
                }
            }
            finally
            {
                stream?.Dispose();
            }
            return new BufferedBatch(records, ends);
        }
    }

    /// <summary>Marks the first <paramref name="delivered"/> records of a batch as delivered, durably.</summary>
    public void Acknowledge(BufferedBatch batch, int delivered)
    {
        ArgumentNullException.ThrowIfNull(batch);
        if (delivered <= 0)
        {
            return;
        }
        lock (_gate)
        {
            var through = batch.Ends[delivered - 1];
            if (through <= _head)
            {
                return; // already dropped because the buffer was full
            }
            // Records dropped meanwhile lie before the head and were counted as dropped already.
            _depth -= batch.Ends.Take(delivered).Count(end => end > _head);
            _head = through;
            foreach (var done in _segments.Keys.Where(k => k < _head.Segment).ToList())
            {
                DeleteSegment(done);
            }
            while (_segments.TryGetValue(_head.Segment, out var length) && _head.Offset >= length && _head.Segment != _tailSegment)
            {
                DeleteSegment(_head.Segment);
                _head = new BufferPosition(_segments.Keys.First(), 0);
            }
            WriteCommit();
        }
    }

    public async Task WaitForRecordsAsync(TimeSpan atMost, CancellationToken cancellationToken)
    {
        if (Depth > 0)
        {
            return;
        }
        await _appended.WaitAsync(atMost, cancellationToken);
    }

    public void Dispose()
    {
        _tail.Dispose();
        _appended.Dispose();
    }

    private void DropOldestSegment()
    {
        var oldest = _segments.Keys.First();
        using (var stream = OpenForRead(oldest))
        {
            stream.Position = oldest == _head.Segment ? _head.Offset : 0;
            long lost = 0;
            while (SegmentRecords.Skip(stream))
            {
                lost++;
            }
            _depth -= lost;
            Interlocked.Add(ref _dropped, lost);
            LogDroppedOldest(lost, oldest);
        }
        DeleteSegment(oldest);
        if (_head.Segment <= oldest)
        {
            _head = new BufferPosition(_segments.Keys.First(), 0);
            WriteCommit();
        }
    }

    private void StartSegment(long number)
    {
        _tail?.Dispose();
        _tailSegment = number;
        var open = new FileStreamOptions { Mode = FileMode.Append, Access = FileAccess.Write, Share = FileShare.Read | FileShare.Delete };
        if (!OperatingSystem.IsWindows())
        {
            open.UnixCreateMode = OwnerOnlyFile;
        }
        _tail = new FileStream(SegmentPath(number), open);
        _segments.TryAdd(number, _tail.Length);
    }

    private const UnixFileMode OwnerOnlyFile = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    /// <summary>
    /// The buffer holds faces (crops, or descriptors with SendFaceAs=Descriptor): its folder and segments are readable by
    /// the agent's user only (0700 / 0600 on Linux; the folder is made so even if it existed). These modes do not protect
    /// a stolen disk: the records themselves are sealed (<see cref="BufferSeal"/>).
    /// </summary>
    private static void CreatePrivateDirectory(string directory)
    {
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(directory);
            return;
        }
        const UnixFileMode ownerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
        Directory.CreateDirectory(directory, ownerOnly);
        File.SetUnixFileMode(directory, ownerOnly);
    }

    private void DeleteSegment(long number)
    {
        File.Delete(SegmentPath(number));
        _segments.Remove(number);
    }

    private FileStream OpenForRead(long number) =>
        new(SegmentPath(number), FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 64 * 1024);

    private string SegmentPath(long number) =>
        Path.Combine(_directory, number.ToString("D12", CultureInfo.InvariantCulture) + SegmentExtension);

    private void WriteCommit()
    {
        var path = Path.Combine(_directory, CommitFileName);
        var temporary = path + ".tmp";
        using (var file = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            file.Write(System.Text.Encoding.ASCII.GetBytes(FormattableString.Invariant($"{_head.Segment} {_head.Offset}\n")));
            file.Flush(flushToDisk: true);
        }
        File.Move(temporary, path, overwrite: true);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Sighting buffer full: dropped {Count} oldest sightings (segment {Segment})")]
    private partial void LogDroppedOldest(long count, long segment);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Sighting of {Bytes} bytes is larger than the buffer allows; dropped")]
    private partial void LogRecordTooLarge(int bytes);
}
