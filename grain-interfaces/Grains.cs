using Orleans.Concurrency;

namespace NextGenCrm;

/// <summary>A branch camera, key "{branchId}:{cameraId}": dedupes edge tracks and recognises faces.</summary>
public interface ICameraGrain : IGrainWithStringKey
{
    Task<SightingResult> RecordSighting(Sighting sighting);

    Task RecordHeartbeat(CameraHeartbeat heartbeat);

    Task<CameraStatus> GetStatus();

    /// <summary>
    /// Forgets every track that led to <paramref name="visitorId"/> (their erasure): the next sighting of
    /// such a track is searched again instead of being sent to the erased visitor.
    /// </summary>
    Task ForgetVisitor(string visitorId);
}

/// <summary>A person, key "c-{customerId}" or "v-{faceId}": owns their visits and each visit's outbox.</summary>
public interface IVisitorGrain : IGrainWithStringKey
{
    Task<VisitSightingResult> RecordSighting(VisitorSighting sighting);

    Task<IReadOnlyList<VisitSummary>> GetVisits();

    Task RecordDeliveries(string visitId, IReadOnlyList<DeliveryReport> reports);

    /// <summary>
    /// Erases everything the cluster holds on this person: visits, outbox, occupancy entries, face crops,
    /// history records and, for an anonymous visitor, the face in the collection.
    /// </summary>
    Task<ErasureReceipt> Erase();

    /// <summary>Closes visits past the inactivity timeout and re-drives due deliveries.</summary>
    [OneWay]
    Task Wake();
}

/// <summary>A branch, key "{branchId}": who is inside now.</summary>
public interface IBranchGrain : IGrainWithStringKey
{
    Task VisitorArrived(Occupant occupant);

    /// <summary>The visitor is still here; also restores an occupant this branch lost (say, with its silo).</summary>
    [OneWay]
    Task VisitorSeen(Occupant occupant);

    Task VisitorLeft(string visitorId, string visitId);

    [OneWay]
    Task TaskStatusChanged(string visitorId, string visitId, DeliveryStatus status);

    [OneWay]
    Task CameraReported(CameraStatus status);

    Task<Occupancy> GetOccupancy();

    Task<IReadOnlyList<CameraStatus>> GetCameras();

    /// <summary>
    /// When this branch last heard the visitor was seen on this visit, or null if it does not hold them:
    /// a visitor restarted after its silo died takes it up, as it writes last-seen only now and then.
    /// </summary>
    Task<DateTimeOffset?> LastSeen(string visitorId, string visitId);
}

/// <summary>The single cluster-wide list of branches and their counts (key "all"), fed by the branches.</summary>
public interface IBranchIndexGrain : IGrainWithStringKey
{
    public const string Key = "all";

    [OneWay]
    Task ReportOccupancy(BranchCount count);

    Task<IReadOnlyList<BranchCount>> GetBranches();
}

/// <summary>Delivers a visit's side effects outside the visitor's turn, so a slow Appian never blocks sightings.</summary>
public interface IVisitCourierGrain : IGrainWithIntegerKey
{
    [OneWay]
    Task Deliver(DeliveryOrder order);
}
