using System.Diagnostics.Metrics;

namespace NextGenCrm;

/// <summary>
/// The pipeline's counters, published on the "NextGenCrm" meter (OpenTelemetry reads them) and
/// kept as running totals for the console summary of one silo.
/// </summary>
public sealed class VisitMetrics
{
    public const string MeterName = "NextGenCrm";

    private readonly Tally _sightings, _absorbed, _faceSearches, _facesIndexed, _visitsOpened, _visitsClosed,
        _tasks, _alerts, _historyRecords, _deliveryFailures;

    public VisitMetrics(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(MeterName);
        _sightings = new(meter, "nextgencrm.sightings", "Sightings received by cameras");
        _absorbed = new(meter, "nextgencrm.sightings.absorbed", "Repeat sightings of a known track answered by the camera alone");
        _faceSearches = new(meter, "nextgencrm.face.searches", "Face searches");
        _facesIndexed = new(meter, "nextgencrm.face.indexed", "Unknown faces indexed as anonymous visitors");
        _visitsOpened = new(meter, "nextgencrm.visits.opened", "Visits opened");
        _visitsClosed = new(meter, "nextgencrm.visits.closed", "Visits closed");
        _tasks = new(meter, "nextgencrm.tasks.delivered", "Staff tasks delivered");
        _alerts = new(meter, "nextgencrm.alerts.delivered", "New-visitor alerts delivered");
        _historyRecords = new(meter, "nextgencrm.history.written", "Visit history records written");
        _deliveryFailures = new(meter, "nextgencrm.delivery.failures", "Side-effect delivery attempts that failed");
        _deliveriesBlocked = meter.CreateCounter<long>("nextgencrm.delivery.blocked",
            description: "Deliveries a service refused for a reason not the visit's (credentials, rights, address, rate limit), by service and reason; retried");
    }

    private readonly Counter<long> _deliveriesBlocked;
    private long _blocked;

    public long DeliveriesBlocked => Interlocked.Read(ref _blocked);

    /// <summary>A delivery refused by <paramref name="service"/> for <paramref name="reason"/> (a status or an error code), to be tried again.</summary>
    public void DeliveryBlocked(string service, string reason)
    {
        Interlocked.Increment(ref _blocked);
        _deliveriesBlocked.Add(1, new KeyValuePair<string, object?>("service", service), new KeyValuePair<string, object?>("reason", reason));
    }

    public long Sightings => _sightings.Total;
    public long Absorbed => _absorbed.Total;
    public long FaceSearches => _faceSearches.Total;
    public long FacesIndexed => _facesIndexed.Total;
    public long VisitsOpened => _visitsOpened.Total;
    public long VisitsClosed => _visitsClosed.Total;
    public long TasksDelivered => _tasks.Total;
    public long AlertsDelivered => _alerts.Total;
    public long HistoryRecords => _historyRecords.Total;
    public long DeliveryFailures => _deliveryFailures.Total;

    public void SightingReceived() => _sightings.Add();
    public void SightingAbsorbed() => _absorbed.Add();
    public void FaceSearched() => _faceSearches.Add();
    public void FaceIndexed() => _facesIndexed.Add();
    public void VisitOpened() => _visitsOpened.Add();
    public void VisitClosed() => _visitsClosed.Add();
    public void DeliveryFailed() => _deliveryFailures.Add();

    public void Delivered(VisitEffect effect) => (effect switch
    {
        VisitEffect.StaffTask => _tasks,
        VisitEffect.NewVisitorAlert => _alerts,
        _ => _historyRecords,
    }).Add();

    private sealed class Tally(Meter meter, string name, string description)
    {
        private readonly Counter<long> _counter = meter.CreateCounter<long>(name, description: description);
        private long _total;

        public long Total => Interlocked.Read(ref _total);

        public void Add()
        {
            Interlocked.Increment(ref _total);
            _counter.Add(1);
        }
    }
}
