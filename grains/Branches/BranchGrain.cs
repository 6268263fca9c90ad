using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using NextGenCrm.Visits;

namespace NextGenCrm.Branches;

/// <summary>
/// Who is inside one branch now, fed by the visitors on open and close. Arrivals and departures are
/// persisted; last-seen times and camera status are kept in memory only (they refresh within seconds).
/// </summary>
/// <remarks>
/// The branch is also the durable backstop of its open visits: one reminder per occupied branch (not one
/// per visit) wakes the visitors not seen for the inactivity timeout, or whose task is still pending, so a
/// visit whose grain died with its silo still closes and still gets its task.
/// </remarks>
public sealed class BranchGrain(
    [PersistentState("branch", StorageNames.Visits)] IPersistentState<BranchState> state,
    [FromKeyedServices(GrainClock.Key)] TimeProvider clock,
    IOptions<VisitPolicy> policy) : Grain, IBranchGrain, IRemindable
{
    private const string BackstopReminder = "occupancy-backstop";
    private readonly Dictionary<string, CameraStatus> _cameras = new(StringComparer.Ordinal);
    private bool _backstopRegistered;

    private Dictionary<string, Occupant> Occupants => state.State.Occupants;
    private string BranchId => this.GetPrimaryKeyString();

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (Occupants.Count > 0)
        {
            // After a failover the index may have lost this branch's count: tell it again.
            ReportCount();
            await EnsureBackstopAsync();
        }
    }

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        _backstopRegistered = true;
        if (Occupants.Count == 0)
        {
            // Empty for a whole period: stop ticking until someone arrives.
            if (await this.GetReminder(BackstopReminder) is { } reminder)
            {
                await this.UnregisterReminder(reminder);
            }
            _backstopRegistered = false;
            return;
        }
        var now = clock.GetUtcNow();
        var rules = policy.Value;
        foreach (var occupant in Occupants.Values)
        {
            // The visitor decides; a stale last-seen here (say, after this grain moved) only costs a wake-up.
            var maybeGone = now - occupant.LastSeen >= rules.InactivityTimeout;
            var taskOverdue = occupant.TaskStatus == DeliveryStatus.Pending && now - occupant.Since >= rules.DeliveryReportTimeout;
            if (maybeGone || taskOverdue)
            {
                _ = GrainFactory.GetGrain<IVisitorGrain>(occupant.VisitorId).Wake();
            }
        }
    }

    private async Task EnsureBackstopAsync()
    {
        if (!_backstopRegistered)
        {
            await this.RegisterOrUpdateReminder(BackstopReminder, policy.Value.BackstopPeriod, policy.Value.BackstopPeriod);
            _backstopRegistered = true;
        }
    }

    public async Task VisitorArrived(Occupant occupant)
    {
        if (Occupants.TryGetValue(occupant.VisitorId, out var current) && current == occupant)
        {
            return;
        }
        Occupants[occupant.VisitorId] = occupant;
        state.State.Version++;
        await state.WriteStateAsync();
        ReportCount();
        await EnsureBackstopAsync();
    }

    public Task VisitorSeen(string visitorId, string visitId, DateTimeOffset lastSeen)
    {
        if (Occupants.TryGetValue(visitorId, out var occupant) && occupant.VisitId == visitId && lastSeen > occupant.LastSeen)
        {
            Occupants[visitorId] = occupant with { LastSeen = lastSeen };
        }
        return Task.CompletedTask;
    }

    public async Task VisitorLeft(string visitorId, string visitId)
    {
        if (!Occupants.TryGetValue(visitorId, out var occupant) || occupant.VisitId != visitId)
        {
            return;
        }
        Occupants.Remove(visitorId);
        state.State.Version++;
        await state.WriteStateAsync();
        ReportCount();
    }

    public Task TaskStatusChanged(string visitorId, string visitId, DeliveryStatus status)
    {
        if (Occupants.TryGetValue(visitorId, out var occupant) && occupant.VisitId == visitId)
        {
            Occupants[visitorId] = occupant with { TaskStatus = status };
        }
        return Task.CompletedTask;
    }

    public Task CameraReported(CameraStatus status)
    {
        _cameras[status.CameraId] = status;
        return Task.CompletedTask;
    }

    public Task<Occupancy> GetOccupancy() => Task.FromResult(new Occupancy(
        BranchId, clock.GetUtcNow(), [.. Occupants.Values.OrderBy(o => o.Since).ThenBy(o => o.VisitorId, StringComparer.Ordinal)]));

    public Task<IReadOnlyList<CameraStatus>> GetCameras() =>
        Task.FromResult<IReadOnlyList<CameraStatus>>([.. _cameras.Values.OrderBy(c => c.CameraId, StringComparer.Ordinal)]);

    private void ReportCount() =>
        _ = GrainFactory.GetGrain<IBranchIndexGrain>(IBranchIndexGrain.Key)
            .ReportOccupancy(new BranchCount(BranchId, Occupants.Count, clock.GetUtcNow(), state.State.Version));
}

[GenerateSerializer]
public sealed class BranchState
{
    [Id(0)] public Dictionary<string, Occupant> Occupants { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Grows with every arrival and departure; orders the one-way reports to the index.</summary>
    [Id(1)] public long Version { get; set; }
}
