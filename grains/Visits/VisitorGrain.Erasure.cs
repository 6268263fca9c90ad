using Microsoft.Extensions.Logging;
using NextGenCrm.Cameras;
using NextGenCrm.Ports;

namespace NextGenCrm.Visits;

/// <summary>
/// Erasure of the person: the fence first (a tombstone every writer of their data reads), then every store that
/// holds them: the cameras' tracks, the occupancy, every crop (kept keys, visits, history records), the history,
/// the face collection, the grain state; then the visitors merged into them. The receipt counts what was there.
/// </summary>
public sealed partial class VisitorGrain
{
    // Deletes of crops at once: S3 takes thousands a second per prefix; this keeps one erasure from hogging the pool.
    private const int CropDeletesAtOnce = 16;

    // History records read for the crops they name: far more than a person's visits in the history's retention.
    private const int HistoryRecordsRead = 100_000;

    public async Task<ErasureReceipt> Erase()
    {
        var merged = State.MergedFrom?.ToList() ?? [];
        // The fence before anything is deleted: a courier, camera or registrar at work for this person reads it
        // before writing (and the history and face writers again after), so nothing deleted below comes back.
        await _personalData.Tombstones.RecordAsync([VisitorId, .. merged], _clock.GetUtcNow() + _policy.ErasureFenceFor, CancellationToken.None);
        var held = State.Profile is not null || State.AllVisits.Any() || State.MergedInto is not null || State.Crops is { Count: > 0 };
        var visits = State.AllVisits.ToList();
        await ForgetInCamerasAsync(visits);
        foreach (var open in State.OpenVisits)
        {
            await Branch(open.BranchId).VisitorLeft(VisitorId, open.VisitId);
        }
        foreach (var branchId in visits.Select(v => v.BranchId).Distinct(StringComparer.Ordinal))
        {
            await Branch(branchId).ForgetVisitor(VisitorId);
        }

        // Every crop: the keys kept of the person, each visit's, and those named by history records (a visit trimmed
        // from the state, or recorded before the keys were kept) — read before the records are erased.
        var records = await _personalData.History.QueryAsync(VisitorId, HistoryRecordsRead, CancellationToken.None);
        var cropKeys = (State.Crops ?? []).Select(c => c.Key)
            .Concat(visits.Select(v => v.ImageKey))
            .Concat(records.Select(r => r.ImageKey))
            .OfType<string>()
            .ToHashSet(StringComparer.Ordinal);
        var crops = 0;
        foreach (var batch in cropKeys.Chunk(CropDeletesAtOnce))
        {
            var deleted = await Task.WhenAll(batch.Select(key => _personalData.Images.DeleteAsync(key, CancellationToken.None)));
            crops += deleted.Count(d => d);
        }
        var historyRecords = await _personalData.History.EraseAsync(VisitorId, CancellationToken.None);
        // The person in the collection (a Rekognition user under this id) with every face added for them.
        var faces = await _personalData.FaceSearch.ErasePersonAsync(VisitorId, CancellationToken.None);

        await _storage.ClearStateAsync(StateName, this.GetGrainId(), _state);
        _state.State = new VisitorState();
        _unsavedDeliveries = false; // nothing left to save: a write on deactivation would bring the record back
        _wakeTimer?.Dispose();
        _wakeTimer = null;
        if (await this.GetReminder(BackstopReminder) is { } reminder)
        {
            await this.UnregisterReminder(reminder);
        }
        _backstopRegistered = false;
        DeactivateOnIdle();
        LogErased(VisitorId, visits.Count, crops, historyRecords, faces.Faces);
        var receipt = new ErasureReceipt(visits.Count, crops, historyRecords, faces.Faces > 0 || faces.Person,
            faces.Faces, faces.Person ? 1 : 0, held ? 1 : 0);
        foreach (var mergedId in merged)
        {
            receipt = receipt.Add(await GrainFactory.GetGrain<IVisitorGrain>(mergedId).Erase());
        }
        return receipt;
    }

    /// <summary>
    /// The cameras that saw the person forget their tracks, so that no later sighting of those tracks is sent here
    /// with the name the camera remembers. A visit's cameras are written with its next write, so a crash can lose the
    /// latest: the branches' reporting cameras are asked too. A camera missed anyway is refused by the fence and forgets then.
    /// </summary>
    private async Task ForgetInCamerasAsync(List<Visit> visits)
    {
        var cameras = visits.SelectMany(v => v.CameraIds.Select(c => CameraKeys.Format(v.BranchId, c))).ToHashSet(StringComparer.Ordinal);
        foreach (var branchId in visits.Select(v => v.BranchId).Distinct(StringComparer.Ordinal))
        {
            cameras.UnionWith((await Branch(branchId).GetCameras()).Select(c => CameraKeys.Format(branchId, c.CameraId)));
        }
        await Task.WhenAll(cameras.Select(camera => GrainFactory.GetGrain<ICameraGrain>(camera).ForgetVisitor(VisitorId)));
    }

    /// <summary>
    /// A visitor holding no visit is either new or erased: before it records anything of the person, the fence is
    /// read. One that holds visits was not erased since (an erasure empties the state), so the hot path reads nothing.
    /// </summary>
    private async Task ThrowIfErasedAsync()
    {
        if (!State.AllVisits.Any() && await _personalData.Tombstones.IsErasedAsync(VisitorId, CancellationToken.None))
        {
            LogRefusedErased(VisitorId);
            throw VisitorErasedException.Of(VisitorId);
        }
    }

    /// <summary>
    /// Keeps the key of a crop of the person not seen before (a new track, another camera, a re-check) for an erasure.
    /// It is written with the visit's next write, as the visit's cameras are (the one that opens a visit, at once; the
    /// close, the last-seen step or a deactivation, for the others): not a write of its own per camera, and an erasure
    /// reads the live state. A silo crash before that write leaves the crop to the crop store's retention.
    /// </summary>
    private void KeepCropKey(string? imageKey, DateTimeOffset now)
    {
        if (imageKey is null || State.Crops?.Exists(c => c.Key == imageKey) == true)
        {
            return;
        }
        State.Crops ??= [];
        State.Crops.RemoveAll(c => now - c.At > _policy.CropKeysKeptFor); // gone from the store by its own retention
        State.Crops.Add(new KeptCrop { Key = imageKey, At = now });
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Visitor {VisitorId} erased: {Visits} visits, {Crops} face crops, {Records} history records, {Faces} faces")]
    private partial void LogErased(string visitorId, int visits, int crops, int records, int faces);

    [LoggerMessage(Level = LogLevel.Information, Message = "Visitor {VisitorId} is erased: a sighting or hand-over was refused")]
    private partial void LogRefusedErased(string visitorId);
}
