using Orleans.Concurrency;

namespace NextGenCrm;

/// <summary>A branch camera, key "{branchId}:{cameraId}": dedupes edge tracks and recognises faces.</summary>
[Alias("NextGenCrm.ICameraGrain")]
public interface ICameraGrain : IGrainWithStringKey
{
    Task<SightingResult> RecordSighting(Sighting sighting);

    /// <summary>
    /// Records this camera's sightings of one batch, one after another in the order given (the caller puts them in
    /// capture order), each exactly as <see cref="RecordSighting"/> would: one result per item, in the same order. An
    /// item that fails is reported in its own result and the next items still go; none is started once the batch
    /// has run for <c>CameraGrain.BatchBudget</c>, so the call answers well within Orleans' response timeout.
    /// One call per camera per batch: the ingress hop costs one round trip per camera, not one per sighting.
    /// </summary>
    Task<SightingAttempt[]> RecordSightings(Sighting[] sightings);

    Task RecordHeartbeat(CameraHeartbeat heartbeat);

    Task<CameraStatus> GetStatus();

    /// <summary>The silo this camera runs on (and its branch with it): whether an edge agent reached the right one.</summary>
    Task<SiloAddress> GetSilo();

    /// <summary>
    /// Forgets every track that led to <paramref name="visitorId"/> (their erasure): the next sighting of
    /// such a track is searched again instead of being sent to the erased visitor.
    /// </summary>
    Task ForgetVisitor(string visitorId);

    /// <summary>
    /// Who this camera's track <paramref name="trackId"/> is, for another camera's track the edge agent matched
    /// to it (waiting for its face search if one is under way); null when the camera does not know the track.
    /// </summary>
    Task<RecalledTrack?> RecallTrack(string trackId);
}

/// <summary>A person, key "c-{customerId}" or "v-{faceId}": owns their visits and each visit's outbox.</summary>
[Alias("NextGenCrm.IVisitorGrain")]
public interface IVisitorGrain : IGrainWithStringKey
{
    Task<VisitSightingResult> RecordSighting(VisitorSighting sighting);

    Task<IReadOnlyList<VisitSummary>> GetVisits();

    /// <summary>A courier's outcomes of the order it ran under <paramref name="claimId"/>.</summary>
    Task RecordDeliveries(string visitId, string? claimId, IReadOnlyList<DeliveryReport> reports);

    /// <summary>
    /// Erases everything the cluster holds on this person: visits, outbox, occupancy entries, face crops,
    /// history records and, for an anonymous visitor, the face in the collection.
    /// </summary>
    Task<ErasureReceipt> Erase();

    /// <summary>
    /// An operator's re-drive: the visit's effects not yet delivered (failed for good, or waiting for their next
    /// attempt) are due now and go to the courier. Null when this visitor holds no such visit.
    /// </summary>
    Task<Redelivery?> Redeliver(string visitId);

    /// <summary>Closes visits past the inactivity timeout and re-drives due deliveries.</summary>
    [OneWay]
    Task Wake();

    /// <summary>
    /// The branch's backstop still lists this visit (unseen for the timeout, or its effects not settled): wakes
    /// as <see cref="Wake"/>, and tells the branch again that the visit left if it is not open here (its
    /// departure lost with the branch's write-behind, or never written: a crash between the branch's durable
    /// arrival and this visitor's write).
    /// </summary>
    [OneWay]
    Task StillListed(string branchId, string visitId);

    /// <summary>
    /// This visitor turned out to be <paramref name="survivorId"/> (a salesperson enrolled them, or a search
    /// found them a duplicate of an older person): the open visits go over to the survivor, and sightings
    /// still sent here are passed on. Repeating it changes nothing.
    /// </summary>
    Task MergeInto(string survivorId, VisitorProfile survivorProfile);

    /// <summary>Takes over an open visit of a visitor who turned out to be this one; no second task, no second alert.</summary>
    Task AdoptVisit(VisitHandOver visit, VisitorProfile profile);
}

/// <summary>A branch, key "{branchId}": who is inside now.</summary>
[Alias("NextGenCrm.IBranchGrain")]
public interface IBranchGrain : IGrainWithStringKey
{
    /// <summary>
    /// A visit arrives: returns once the branch holds it durably (written through, arrivals at the same
    /// moment sharing one write) and its reminder watches it. Interleaves, so that they can share it.
    /// </summary>
    [AlwaysInterleave]
    Task VisitorArrived(Occupant occupant);

    /// <summary>
    /// The visitor is still here (and its task's status, whether its effects are settled); also restores an
    /// occupant this branch lost (say, with its silo).
    /// </summary>
    [OneWay]
    Task VisitorSeen(Occupant occupant);

    Task VisitorLeft(string visitorId, string visitId);

    /// <summary>An erasure: the person goes from the occupancy and from the changes kept for live feeds.</summary>
    Task ForgetVisitor(string visitorId);

    [OneWay]
    Task CameraReported(CameraStatus status);

    Task<Occupancy> GetOccupancy();

    Task<IReadOnlyList<CameraStatus>> GetCameras();

    /// <summary>Tells <paramref name="observer"/> of every change until it stops renewing (see <see cref="BranchFeedPage"/>).</summary>
    Task Subscribe(IBranchObserver observer);

    Task Unsubscribe(IBranchObserver observer);

    /// <summary>The changes after (<paramref name="epoch"/>, <paramref name="sequence"/>), or a snapshot when they are gone; (0, 0) asks for a snapshot.</summary>
    Task<BranchFeedPage> GetFeed(long epoch, long sequence);

    /// <summary>
    /// When this branch last heard the visitor was seen on this visit, or null if it does not hold them:
    /// a visitor restarted after its silo died takes it up, as it writes last-seen only now and then.
    /// </summary>
    Task<DateTimeOffset?> LastSeen(string visitorId, string visitId);
}

/// <summary>The single cluster-wide list of branches and their counts (key "all"), fed by the branches.</summary>
[Alias("NextGenCrm.IBranchIndexGrain")]
public interface IBranchIndexGrain : IGrainWithStringKey
{
    public const string Key = "all";

    [OneWay]
    Task ReportOccupancy(BranchCount count);

    Task<IReadOnlyList<BranchCount>> GetBranches();

    Task Subscribe(IBranchSummaryObserver observer);

    Task Unsubscribe(IBranchSummaryObserver observer);

    /// <summary>The summary's changes after (<paramref name="epoch"/>, <paramref name="sequence"/>), or a snapshot.</summary>
    Task<BranchSummaryPage> GetSummaryFeed(long epoch, long sequence);
}

/// <summary>Delivers a visit's side effects outside the visitor's turn, so a slow Appian never blocks sightings.</summary>
[Alias("NextGenCrm.IVisitCourierGrain")]
public interface IVisitCourierGrain : IGrainWithIntegerKey
{
    [OneWay]
    Task Deliver(DeliveryOrder order);
}

/// <summary>
/// Registers faces that nobody in the collection matched, one at a time for a branch (key "{branchId}"):
/// searches again if anyone was registered meanwhile, and only if still nobody matches adds the face as a
/// new person. Three cameras that see one stranger at the same moment all miss in their first search; here
/// the second and third find the person the first registered.
/// </summary>
[Alias("NextGenCrm.IFaceRegistrarGrain")]
public interface IFaceRegistrarGrain : IGrainWithStringKey
{
    Task<RegisteredPerson> Register(UnmatchedFace face);

    /// <summary>
    /// Adds a later sighting's face to a known person, so recognition improves with each visit. Interleaves
    /// with registrations (it makes nobody new); failures are logged and forgotten.
    /// </summary>
    [OneWay, AlwaysInterleave]
    Task AddFace(string personId, UnmatchedFace face);
}

/// <summary>
/// A face no search matched: the crop's bytes or stored key, or (simulated search) a face token, or (on-premises
/// search) the face's descriptor, and when the search that missed it began.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record UnmatchedFace(
    [property: Id(0)] byte[]? Image,
    [property: Id(1)] string? ImageKey,
    [property: Id(2)] string? FaceToken,
    [property: Id(3)] DateTimeOffset SearchedAt,
    [property: Id(4)] float[]? FaceDescriptor = null);

/// <summary>
/// Who the face turned out to be: <see cref="PersonId"/> (a visitor id), null when the image holds no face.
/// <see cref="Added"/> when this call created the person; <see cref="AlsoMatched"/> lists duplicates of the person found on the way.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record RegisteredPerson(
    [property: Id(0)] string? PersonId,
    [property: Id(1)] bool Added,
    [property: Id(2)] IReadOnlyList<string>? AlsoMatched);

/// <summary>
/// The face collection's upkeep (key "all"): on a durable reminder, deletes faces that belong to no person
/// (what a retried IndexFaces leaves behind). <see cref="Start"/> is called by every silo at start; repeating it changes nothing.
/// </summary>
[Alias("NextGenCrm.IFaceCollectionUpkeepGrain")]
public interface IFaceCollectionUpkeepGrain : IGrainWithStringKey
{
    public const string Key = "all";

    Task Start();

    /// <summary>One sweep now; returns how many faces it deleted.</summary>
    Task<int> Sweep();
}
