using System.Collections.Concurrent;
using Orleans.Storage;

namespace NextGenCrm.Bench.Fakes;

/// <summary>
/// The "visits" grain storage of the bench: in memory, ETag-checked like the DynamoDB provider, and
/// every write counted as one DynamoDB write. It keeps the written state object by reference (no
/// serialized copy). With <paramref name="keepStates"/> false it keeps nothing (writes are counted
/// and dropped), as DynamoDB keeps state outside the silo: the memory phase then weighs activations
/// only, not a storage emulator.
/// </summary>
public sealed class CountingGrainStorage(Ledger ledger, bool keepStates = true) : IGrainStorage
{
    private readonly ConcurrentDictionary<(string, GrainId), Stored> _items = new();
    private long _etag;

    public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        if (_items.TryGetValue((stateName, grainId), out var stored))
        {
            grainState.State = (T)stored.State;
            grainState.ETag = stored.ETag;
            grainState.RecordExists = true;
        }
        return Task.CompletedTask;
    }

    public Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        var key = (stateName, grainId);
        var etag = Interlocked.Increment(ref _etag).ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (!keepStates)
        {
            grainState.ETag = etag;
            grainState.RecordExists = true;
            ledger.StateWritten(stateName);
            return Task.CompletedTask;
        }
        var current = _items.GetValueOrDefault(key);
        if (current?.ETag != grainState.ETag)
        {
            throw new InconsistentStateException($"ETag mismatch on {stateName} of {grainId}", current?.ETag, grainState.ETag);
        }
        _items[key] = new Stored(grainState.State!, etag);
        grainState.ETag = etag;
        grainState.RecordExists = true;
        ledger.StateWritten(stateName);
        return Task.CompletedTask;
    }

    public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        _items.TryRemove((stateName, grainId), out _);
        grainState.ETag = null;
        grainState.RecordExists = false;
        ledger.StateWritten(stateName);
        return Task.CompletedTask;
    }

    private sealed record Stored(object State, string ETag);
}
