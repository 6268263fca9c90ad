using Microsoft.Extensions.Options;

namespace NextGenCrm.Visits;

/// <summary>How visits open, extend and close. Bound from the "Visits" configuration section.</summary>
public sealed class VisitPolicy
{
    public const string SectionName = "Visits";

    /// <summary>A visit closes after this long without a sighting.</summary>
    public TimeSpan InactivityTimeout { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>Cameras ("{branchId}:{cameraId}") that watch the way out: a sighting there closes the visit.</summary>
    public IList<string> ExitCameras { get; } = [];

    /// <summary>
    /// A camera forwards repeat sightings of a known track to the visitor at most this often;
    /// the ones in between are counted and absorbed by the camera.
    /// </summary>
    public TimeSpan ForwardInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>A known track's face is searched again after this long (an anonymous visitor may have enrolled since).</summary>
    public TimeSpan TrackRecheckInterval { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>
    /// How often faces that belong to no person are swept from the collection; a face is deleted at the
    /// second sweep that finds it nobody's. At least a minute (a reminder's shortest period).
    /// </summary>
    public TimeSpan OrphanFaceSweepInterval { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>
    /// A person's later visits each add the face that opened them to the person in the collection (with
    /// Rekognition's quality filter), up to this many, so recognition improves with each visit; 0 turns it off.
    /// A stranger's first visit adds nothing: its face is the one they were registered with.
    /// </summary>
    public int FacesAddedPerPerson { get; set; } = 10;

    /// <summary>Tracks a camera remembers; the least recently seen are forgotten past this.</summary>
    public int MaxTracksPerCamera { get; set; } = 10_000;

    /// <summary>Closed visits kept on the visitor for the API.</summary>
    public int RecentVisitsKept { get; set; } = 20;

    /// <summary>
    /// How long an erasure's tombstone fences the person (<see cref="Ports.IErasureTombstones"/>): work in flight when
    /// it began (a delivery, a face search, a queued sighting) that would write their data again finds it and stops.
    /// At least the inactivity timeout, so a camera track of the person idle that long has been forgotten.
    /// </summary>
    public TimeSpan ErasureFenceFor { get; set; } = TimeSpan.FromHours(1);

    /// <summary>
    /// How long a visitor keeps the key of each crop stored of them, for an erasure to delete: set it to the crop
    /// store's own retention (<c>Images:Retention</c>, the bucket's expiry rule), after which the crop is gone anyway.
    /// </summary>
    public TimeSpan CropKeysKeptFor { get; set; } = TimeSpan.FromDays(30);

    /// <summary>First retry delay of a failed delivery; doubles per attempt up to <see cref="DeliveryRetryMax"/>.</summary>
    public TimeSpan DeliveryRetryBase { get; set; } = TimeSpan.FromSeconds(2);

    public TimeSpan DeliveryRetryMax { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>A delivery handed to the courier and not reported within this is handed over again.</summary>
    public TimeSpan DeliveryReportTimeout { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>
    /// The visit's last-seen time is written to storage when it has moved this much since the last write.
    /// After a crash the visitor takes the branch's last-seen time, which hears of every extension; if the
    /// branch died too, it starts from the written time, so a person still in view must be sighted
    /// again within <c>InactivityTimeout - step</c> of their last sighting for the visit to carry on (a
    /// late sighting inside that window reopens the same visit, task and all). Edge agents refresh a track
    /// every 30 s and cameras forward every <see cref="ForwardInterval"/>, so the default leaves two
    /// minutes of margin: the larger of half the timeout and the timeout less two minutes. A graceful
    /// deactivation (a rolling deploy) writes the exact last-seen time.
    /// </summary>
    public TimeSpan? PersistLastSeenEvery { get; set; }

    /// <summary>
    /// Whether a visitor deactivated by a silo shutdown saves delivery marks not yet written. True where
    /// grain state outlives the silo (DynamoDB); the silo sets it false for in-memory state, which dies with it.
    /// </summary>
    public bool SaveOnShutdown { get; set; } = true;

    public TimeSpan LastSeenPersistStep => PersistLastSeenEvery ?? Max(InactivityTimeout / 2, InactivityTimeout - LastSeenMargin);

    /// <summary>The least time the default <see cref="LastSeenPersistStep"/> leaves a sighting to arrive after a crash.</summary>
    public static readonly TimeSpan LastSeenMargin = TimeSpan.FromMinutes(2);

    /// <summary>
    /// How often the durable backstop (a reminder) checks for visits whose grain is gone: half the timeout,
    /// within Orleans' one-minute reminder floor and ten minutes.
    /// </summary>
    public TimeSpan BackstopPeriod => TimeSpan.FromTicks(Math.Clamp(InactivityTimeout.Ticks / 2, TimeSpan.FromMinutes(1).Ticks, TimeSpan.FromMinutes(10).Ticks));

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;

    public bool IsExitCamera(string branchId, string cameraId) =>
        ExitCameras.Contains(CameraKeys.Format(branchId, cameraId), StringComparer.Ordinal);
}

public sealed class VisitPolicyValidator : IValidateOptions<VisitPolicy>
{
    public ValidateOptionsResult Validate(string? name, VisitPolicy options)
    {
        var errors = Problems(options).ToList();
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    private static IEnumerable<string> Problems(VisitPolicy options)
    {
        if (options.OrphanFaceSweepInterval < TimeSpan.FromMinutes(1) || options.OrphanFaceSweepInterval > TimeSpan.FromDays(7))
        {
            yield return "Visits:OrphanFaceSweepInterval must be between 00:01:00 and 7.00:00:00.";
        }
        if (options.FacesAddedPerPerson is < 0 or > 100)
        {
            yield return "Visits:FacesAddedPerPerson must be between 0 and 100.";
        }
        if (options.InactivityTimeout < TimeSpan.FromSeconds(1) || options.InactivityTimeout > TimeSpan.FromDays(1))
        {
            yield return "Visits:InactivityTimeout must be between 00:00:01 and 1.00:00:00.";
        }
        if (options.ForwardInterval < TimeSpan.Zero || options.ForwardInterval >= options.InactivityTimeout / 2)
        {
            yield return "Visits:ForwardInterval must be at least zero and under half of Visits:InactivityTimeout.";
        }
        if (options.MaxTracksPerCamera is < 10 or > 1_000_000)
        {
            yield return "Visits:MaxTracksPerCamera must be between 10 and 1000000.";
        }
        if (options.RecentVisitsKept is < 1 or > 1000)
        {
            yield return "Visits:RecentVisitsKept must be between 1 and 1000.";
        }
        if (options.ErasureFenceFor < options.InactivityTimeout || options.ErasureFenceFor > TimeSpan.FromDays(30))
        {
            yield return "Visits:ErasureFenceFor must be between Visits:InactivityTimeout and 30.00:00:00.";
        }
        if (options.CropKeysKeptFor < TimeSpan.FromHours(1))
        {
            yield return "Visits:CropKeysKeptFor must be at least 01:00:00.";
        }
        if (options.DeliveryRetryBase <= TimeSpan.Zero || options.DeliveryRetryMax < options.DeliveryRetryBase)
        {
            yield return "Visits:DeliveryRetryBase must be positive and not above Visits:DeliveryRetryMax.";
        }
        if (options.PersistLastSeenEvery is { } step && (step <= TimeSpan.Zero || step > options.InactivityTimeout - (2 * options.ForwardInterval)))
        {
            yield return "Visits:PersistLastSeenEvery must be positive and leave at least twice Visits:ForwardInterval below Visits:InactivityTimeout.";
        }
        foreach (var camera in options.ExitCameras)
        {
            if (camera.Split(':') is not [{ Length: > 0 }, { Length: > 0 }])
            {
                yield return $"Visits:ExitCameras entry '{camera}' must be of the form branchId:cameraId.";
            }
        }
    }
}
