using System.Collections.Concurrent;
using System.Diagnostics;

namespace NextGenCrm.Bench.Fakes;

/// <summary>
/// Everything a pipeline did to the outside world, counted. One ledger per pipeline run; the same
/// fakes write into it whichever pipeline calls them.
/// </summary>
public sealed class Ledger
{
    private long _faceSearches, _strangerFaceSearches, _faceIndexes, _directoryReads, _historyReads, _imagePuts;
    private long _tasks, _salesTasks, _alerts, _historyAppends, _stateWrites, _reminderWrites;
    private readonly ConcurrentDictionary<string, long> _stateWritesByName = new(StringComparer.Ordinal);

    /// <summary>Tokens of strangers, so searches can be told apart by who was searched.</summary>
    public HashSet<string> StrangerTokens { get; } = new(StringComparer.Ordinal);

    /// <summary>When set, the task fake records when each visit's task was first called (Stopwatch ticks).</summary>
    public ConcurrentDictionary<string, long>? TaskCalledAt { get; set; }

    /// <summary>Visitors with a history record, so the end of the day can wake each one; off when measuring memory.</summary>
    public ConcurrentDictionary<string, byte> VisitorIds { get; } = new(StringComparer.Ordinal);

    public bool TrackVisitorIds { get; set; } = true;

    public long FaceSearches => Interlocked.Read(ref _faceSearches);
    public long StrangerFaceSearches => Interlocked.Read(ref _strangerFaceSearches);
    public long FaceIndexes => Interlocked.Read(ref _faceIndexes);
    public long DirectoryReads => Interlocked.Read(ref _directoryReads);
    public long HistoryReads => Interlocked.Read(ref _historyReads);
    public long ImagePuts => Interlocked.Read(ref _imagePuts);
    public long Tasks => Interlocked.Read(ref _tasks);
    public long SalesTasks => Interlocked.Read(ref _salesTasks);
    public long Alerts => Interlocked.Read(ref _alerts);
    public long HistoryAppends => Interlocked.Read(ref _historyAppends);
    public long StateWrites => Interlocked.Read(ref _stateWrites);
    public long ReminderWrites => Interlocked.Read(ref _reminderWrites);

    /// <summary>What DynamoDB would be asked to write: grain state writes, reminder rows written or deleted, history records.</summary>
    public long DynamoDbWrites => StateWrites + ReminderWrites + HistoryAppends;

    public IReadOnlyDictionary<string, long> StateWritesByName => _stateWritesByName;

    public void FaceSearched(string? token)
    {
        Interlocked.Increment(ref _faceSearches);
        if (token is not null && StrangerTokens.Contains(token))
        {
            Interlocked.Increment(ref _strangerFaceSearches);
        }
    }

    public void FaceIndexed() => Interlocked.Increment(ref _faceIndexes);
    public void DirectoryRead() => Interlocked.Increment(ref _directoryReads);
    public void HistoryRead() => Interlocked.Increment(ref _historyReads);
    public void ImagePut() => Interlocked.Increment(ref _imagePuts);
    public void AlertPublished() => Interlocked.Increment(ref _alerts);
    public void ReminderWritten() => Interlocked.Increment(ref _reminderWrites);

    public void HistoryAppended(string visitorId)
    {
        Interlocked.Increment(ref _historyAppends);
        if (TrackVisitorIds)
        {
            VisitorIds.TryAdd(visitorId, 0);
        }
    }

    public void TaskAssigned(string visitId, bool sales)
    {
        Interlocked.Increment(ref _tasks);
        if (sales)
        {
            Interlocked.Increment(ref _salesTasks);
        }
        TaskCalledAt?.TryAdd(visitId, Stopwatch.GetTimestamp());
    }

    public void StateWritten(string stateName)
    {
        Interlocked.Increment(ref _stateWrites);
        _stateWritesByName.AddOrUpdate(stateName, 1, static (_, n) => n + 1);
    }
}
