using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using NextGenCrm.Ports;

namespace NextGenCrm;

/// <summary>
/// The silo's instruments, on the "NextGenCrm" meter (System.Diagnostics.Metrics: the grains need no OpenTelemetry;
/// the host's exporters read the meter), and running totals for the console summary of one silo. Tags are bounded
/// sets (outcomes, effects, services): never a person, visit, branch or camera id, a name or a token.
/// </summary>
public sealed class VisitMetrics
{
    public const string MeterName = "NextGenCrm";

    private readonly Counter<long> _sightings, _absorbed, _faceSearches, _facesIndexed, _visitsOpened, _visitsClosed,
        _deliveries, _deliveriesBlocked, _rekognitionThrottles;
    private readonly Histogram<double> _faceSearchDuration;
    private readonly IServiceProvider? _services;
    private readonly ConcurrentDictionary<string, OwedVisit> _owed = new(StringComparer.Ordinal);
    private long _sightingsTotal, _absorbedTotal, _faceSearchesTotal, _facesIndexedTotal, _visitsOpenedTotal, _visitsClosedTotal,
        _tasksTotal, _alertsTotal, _historyTotal, _deliveryFailuresTotal, _blockedTotal, _throttlesTotal;

    public VisitMetrics(IMeterFactory meterFactory, IServiceProvider? services = null)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        _services = services;
        var meter = meterFactory.Create(MeterName);
        _sightings = meter.CreateCounter<long>("nextgencrm.sightings", description: "Sightings recorded by the cameras, by outcome (new-visit, visit-extended, visit-closed, no-face, exit-without-visit, failed)");
        _absorbed = meter.CreateCounter<long>("nextgencrm.sightings.absorbed", description: "Repeat sightings of a known track answered by the camera alone");
        _faceSearches = meter.CreateCounter<long>("nextgencrm.face_searches", description: "Face searches, by outcome (match, no-match, no-face, failed)");
        _faceSearchDuration = meter.CreateHistogram<double>("nextgencrm.face_search.duration", unit: "s", description: "Time of one face search",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.01, 0.025, 0.05, 0.1, 0.15, 0.2, 0.3, 0.5, 0.75, 1, 2, 5, 10] });
        _facesIndexed = meter.CreateCounter<long>("nextgencrm.faces.indexed", description: "Unknown faces added to the collection as new anonymous visitors");
        _visitsOpened = meter.CreateCounter<long>("nextgencrm.visits.opened", description: "Visits opened");
        _visitsClosed = meter.CreateCounter<long>("nextgencrm.visits.closed", description: "Visits closed");
        _deliveries = meter.CreateCounter<long>("nextgencrm.deliveries", description: "Delivery attempts of a visit's effects, by effect (task, sms, history) and outcome (delivered, failed, skipped)");
        _deliveriesBlocked = meter.CreateCounter<long>("nextgencrm.delivery.blocked",
            description: "Deliveries a service refused for a reason not the visit's (credentials, rights, address, rate limit), by service and reason; retried");
        _rekognitionThrottles = meter.CreateCounter<long>("nextgencrm.rekognition.throttles", description: "Rekognition calls answered with throttling (retried with backoff)");
        meter.CreateObservableGauge("nextgencrm.outbox.backlog", () => Outbox().Backlog,
            description: "Effects owed (pending) by the visitors active on this silo");
        meter.CreateObservableGauge("nextgencrm.outbox.oldest_age", () => Outbox().OldestAge.TotalSeconds, unit: "s",
            description: "How long the oldest effect still owed on this silo has been owed (0 when none)");
        meter.CreateObservableGauge("nextgencrm.silo.count", ActiveSilos, description: "Active silos in the cluster, as this silo's membership view sees them");
    }

    public long Sightings => Interlocked.Read(ref _sightingsTotal);
    public long Absorbed => Interlocked.Read(ref _absorbedTotal);
    public long FaceSearches => Interlocked.Read(ref _faceSearchesTotal);
    public long FacesIndexed => Interlocked.Read(ref _facesIndexedTotal);
    public long VisitsOpened => Interlocked.Read(ref _visitsOpenedTotal);
    public long VisitsClosed => Interlocked.Read(ref _visitsClosedTotal);
    public long TasksDelivered => Interlocked.Read(ref _tasksTotal);
    public long AlertsDelivered => Interlocked.Read(ref _alertsTotal);
    public long HistoryRecords => Interlocked.Read(ref _historyTotal);
    public long DeliveryFailures => Interlocked.Read(ref _deliveryFailuresTotal);
    public long DeliveriesBlocked => Interlocked.Read(ref _blockedTotal);
    public long RekognitionThrottles => Interlocked.Read(ref _throttlesTotal);

    /// <summary>A sighting a camera answered, with its outcome; null when recording it failed.</summary>
    public void SightingRecorded(SightingOutcome? outcome)
    {
        Interlocked.Increment(ref _sightingsTotal);
        _sightings.Add(1, new KeyValuePair<string, object?>("outcome", outcome is { } o ? Name(o) : "failed"));
    }

    public void SightingAbsorbed()
    {
        Interlocked.Increment(ref _absorbedTotal);
        _absorbed.Add(1);
    }

    /// <summary>One face search, its outcome (null when it failed) and how long it took.</summary>
    public void FaceSearched(FaceSearchOutcome? outcome, TimeSpan duration)
    {
        Interlocked.Increment(ref _faceSearchesTotal);
        var tag = new KeyValuePair<string, object?>("outcome", outcome switch
        {
            FaceSearchOutcome.Match => "match",
            FaceSearchOutcome.NoMatch => "no-match",
            FaceSearchOutcome.NoFace => "no-face",
            _ => "failed",
        });
        _faceSearches.Add(1, tag);
        _faceSearchDuration.Record(duration.TotalSeconds, tag);
    }

    /// <summary>Searches <paramref name="face"/> and counts the search, its outcome and its time.</summary>
    public async Task<FaceSearchResult> SearchAsync(IFaceSearch faceSearch, FaceImage face, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(faceSearch);
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        FaceSearchOutcome? outcome = null;
        try
        {
            var found = await faceSearch.SearchAsync(face, cancellationToken);
            outcome = found.Outcome;
            return found;
        }
        finally
        {
            FaceSearched(outcome, System.Diagnostics.Stopwatch.GetElapsedTime(started));
        }
    }

    public void FaceIndexed()
    {
        Interlocked.Increment(ref _facesIndexedTotal);
        _facesIndexed.Add(1);
    }

    public void VisitOpened()
    {
        Interlocked.Increment(ref _visitsOpenedTotal);
        _visitsOpened.Add(1);
    }

    public void VisitClosed()
    {
        Interlocked.Increment(ref _visitsClosedTotal);
        _visitsClosed.Add(1);
    }

    /// <summary>The courier's attempt at one effect: <c>delivered</c>, <c>failed</c> (to be retried or refused for good) or <c>skipped</c> (on record already, claim run out, person erased).</summary>
    public void DeliveryAttempted(VisitEffect effect, DeliveryAttemptOutcome outcome) =>
        _deliveries.Add(1,
            new KeyValuePair<string, object?>("effect", effect switch
            {
                VisitEffect.StaffTask => "task",
                VisitEffect.NewVisitorAlert => "sms",
                _ => "history",
            }),
            new KeyValuePair<string, object?>("outcome", outcome switch
            {
                DeliveryAttemptOutcome.Delivered => "delivered",
                DeliveryAttemptOutcome.Failed => "failed",
                _ => "skipped",
            }));

    /// <summary>An effect the outbox marked delivered (the console's totals).</summary>
    public void Delivered(VisitEffect effect)
    {
        if (effect == VisitEffect.StaffTask)
        {
            Interlocked.Increment(ref _tasksTotal);
        }
        else if (effect == VisitEffect.NewVisitorAlert)
        {
            Interlocked.Increment(ref _alertsTotal);
        }
        else
        {
            Interlocked.Increment(ref _historyTotal);
        }
    }

    /// <summary>An effect the outbox marked failed for good (the console's totals).</summary>
    public void DeliveryFailed() => Interlocked.Increment(ref _deliveryFailuresTotal);

    /// <summary>A delivery refused by <paramref name="service"/> for <paramref name="reason"/> (a status or an error code), to be tried again.</summary>
    public void DeliveryBlocked(string service, string reason)
    {
        Interlocked.Increment(ref _blockedTotal);
        _deliveriesBlocked.Add(1, new KeyValuePair<string, object?>("service", service), new KeyValuePair<string, object?>("reason", reason));
    }

    public void RekognitionThrottled()
    {
        Interlocked.Increment(ref _throttlesTotal);
        _rekognitionThrottles.Add(1);
    }

    /// <summary>
    /// What a visit owes now (its pending effects), told by its visitor after each change; 0 forgets it. The age
    /// counts from when this silo first saw it owed, so a visitor moved to another silo starts again there.
    /// </summary>
    public void VisitOwes(string visitId, int pendingEffects)
    {
        if (pendingEffects <= 0)
        {
            _owed.TryRemove(visitId, out _);
            return;
        }
        var now = Now();
        _owed.AddOrUpdate(visitId, new OwedVisit(now, pendingEffects), (_, old) => old with { Effects = pendingEffects });
    }

    /// <summary>Effects owed on this silo and the age of the oldest.</summary>
    public (long Backlog, TimeSpan OldestAge) Outbox()
    {
        long backlog = 0;
        var oldest = DateTimeOffset.MaxValue;
        foreach (var owed in _owed.Values)
        {
            backlog += owed.Effects;
            if (owed.Since < oldest)
            {
                oldest = owed.Since;
            }
        }
        return backlog == 0 ? (0, TimeSpan.Zero) : (backlog, Max(Now() - oldest, TimeSpan.Zero));
    }

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;

    private DateTimeOffset Now() =>
        (_services?.GetKeyedService<TimeProvider>(GrainClock.Key) ?? TimeProvider.System).GetUtcNow();

    private int ActiveSilos() =>
        _services?.GetService<IClusterMembershipService>()?.CurrentSnapshot.Members.Values.Count(m => m.Status == SiloStatus.Active) ?? 0;

    /// <summary>The kebab-case names the API answers with.</summary>
    private static string Name(SightingOutcome outcome) => outcome switch
    {
        SightingOutcome.NewVisit => "new-visit",
        SightingOutcome.VisitExtended => "visit-extended",
        SightingOutcome.VisitClosed => "visit-closed",
        SightingOutcome.NoFace => "no-face",
        SightingOutcome.ExitWithoutVisit => "exit-without-visit",
        _ => "other",
    };

    private sealed record OwedVisit(DateTimeOffset Since, int Effects);
}

public enum DeliveryAttemptOutcome
{
    Delivered,
    Failed,
    Skipped,
}
