using Microsoft.Extensions.Logging;

namespace NextGenCrm.Cameras;

/// <summary>
/// Cross-camera re-identification, the silo's side: a new track the edge agent matched to an earlier track of the
/// branch takes that track's answer from the camera that resolved it, instead of a face search of its own.
/// </summary>
public sealed partial class CameraGrain
{
    /// <summary>Tracks whose resolution under way is itself a take-over: a recall never waits for one (no cycle).</summary>
    private readonly HashSet<string> _takingOver = new(StringComparer.Ordinal);

    public async Task<RecalledTrack?> RecallTrack(string trackId)
    {
        if (_searches.TryGetValue(trackId, out var search))
        {
            if (_takingOver.Contains(trackId))
            {
                return null;
            }
            try
            {
                await search;
            }
            catch (Exception failure) when (failure is not OutOfMemoryException)
            {
                return null; // the earlier track's own search failed: the new one searches for itself
            }
        }
        if (!_tracks.TryGet(trackId, out var track))
        {
            return null; // forgotten (idle past the visit timeout), erased, or a restarted silo: the new track searches
        }
        return new RecalledTrack(track.VisitorId, track.Profile, track.ImageKey, track.PersonId, track.ResolvedAt);
    }

    /// <summary>
    /// The earlier track's answer as this track's, or null (nothing known there: search). The sighting's own crop is
    /// not stored: the earlier track's crop stands for the person, and one the edge agent stored (imageRef) is the
    /// track's key, so the visitor keeps it for an erasure.
    /// </summary>
    private async Task<TrackEntry?> TakeOverAsync(Sighting sighting, TrackRef earlier)
    {
        _takingOver.Add(sighting.TrackId);
        RecalledTrack? recalled;
        try
        {
            recalled = earlier.CameraId == _cameraId
                ? await RecallTrack(earlier.TrackId)
                : await GrainFactory.GetGrain<ICameraGrain>(CameraKeys.Format(_branchId, earlier.CameraId)).RecallTrack(earlier.TrackId);
        }
        catch (Exception failure) when (failure is not OutOfMemoryException)
        {
            recalled = null;
        }
        finally
        {
            _takingOver.Remove(sighting.TrackId);
        }
        if (recalled is null)
        {
            LogTakeOverMissed(_branchId, _cameraId, sighting.TrackId);
            return null;
        }
        var now = _clock.GetUtcNow();
        var entry = new TrackEntry(recalled.VisitorId, recalled.Profile, sighting.ImageRef ?? recalled.ImageKey, now, sighting.FaceToken, recalled.PersonId)
        {
            LastSeen = sighting.CapturedAt,
        };
        _tracks.Set(sighting.TrackId, entry, now);
        _tracksTakenOver++;
        return entry;
    }

    private long _tracksTakenOver;

    [LoggerMessage(Level = LogLevel.Debug, Message = "Track {TrackId} at {BranchId}:{CameraId} was re-identified at the edge, but the earlier track is not known: searched")]
    private partial void LogTakeOverMissed(string branchId, string cameraId, string trackId);
}
