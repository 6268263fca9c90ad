using Microsoft.Extensions.Logging;
using NextGenCrm.Cameras;

namespace NextGenCrm.Visits;

public sealed partial class VisitorGrain
{
    public async Task<ErasureReceipt> Erase()
    {
        var visits = State.AllVisits.ToList();
        // Visitors that turned out to be this person (duplicates merged, the anonymous visitor a salesperson
        // enrolled) hold their own closed visits, crops, history and faces: they go too.
        var merged = State.MergedFrom?.ToList() ?? [];
        // First the cameras that saw them forget their tracks, so that no later sighting of those tracks
        // is sent here again (with the name the camera remembers) and opens a new visit. A visit's cameras
        // are written with its next write, so a crash can lose the latest: the branches' reporting
        // cameras are asked too.
        var cameras = visits.SelectMany(v => v.CameraIds.Select(c => CameraKeys.Format(v.BranchId, c))).ToHashSet(StringComparer.Ordinal);
        foreach (var branchId in visits.Select(v => v.BranchId).Distinct(StringComparer.Ordinal))
        {
            cameras.UnionWith((await Branch(branchId).GetCameras()).Select(c => CameraKeys.Format(branchId, c.CameraId)));
        }
        foreach (var camera in cameras)
        {
            await GrainFactory.GetGrain<ICameraGrain>(camera).ForgetVisitor(VisitorId);
        }
        foreach (var open in State.OpenVisits)
        {
            await Branch(open.BranchId).VisitorLeft(VisitorId, open.VisitId);
        }
        var crops = 0;
        foreach (var imageKey in visits.Select(v => v.ImageKey).OfType<string>().Distinct(StringComparer.Ordinal))
        {
            await _personalData.Images.DeleteAsync(imageKey, CancellationToken.None);
            crops++;
        }
        var records = await _personalData.History.EraseAsync(VisitorId, CancellationToken.None);
        var faceRemoved = false;
        if (VisitorId.StartsWith(TrackResolver.AnonymousPrefix, StringComparison.Ordinal))
        {
            // An anonymous visitor is a person in the collection under its own id, with every face added for them.
            faceRemoved = await _personalData.FaceSearch.ErasePersonAsync(VisitorId, CancellationToken.None) > 0;
        }
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
        LogErased(VisitorId, visits.Count, crops, records);
        var receipt = new ErasureReceipt(visits.Count, crops, records, faceRemoved);
        foreach (var mergedId in merged)
        {
            var theirs = await GrainFactory.GetGrain<IVisitorGrain>(mergedId).Erase();
            receipt = new ErasureReceipt(receipt.Visits + theirs.Visits, receipt.FaceCrops + theirs.FaceCrops,
                receipt.HistoryRecords + theirs.HistoryRecords, receipt.FaceRemovedFromCollection || theirs.FaceRemovedFromCollection);
        }
        return receipt;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Visitor {VisitorId} erased: {Visits} visits, {Crops} face crops, {Records} history records")]
    private partial void LogErased(string visitorId, int visits, int crops, int records);
}
