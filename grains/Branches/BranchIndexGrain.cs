using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using NextGenCrm.Visits;

namespace NextGenCrm.Branches;

/// <summary>
/// Every branch with its count, in one place, so listing branches never fans out to thousands of
/// grains. Branches push their counts here; the list is written behind, at most every few seconds.
/// </summary>
public sealed partial class BranchIndexGrain(
    [PersistentState("branch-index", StorageNames.Visits)] IPersistentState<BranchIndexState> state,
    IOptions<VisitPolicy> policy,
    [FromKeyedServices(GrainClock.Key)] TimeProvider clock,
    ILogger<BranchIndexGrain> logger) : Grain, IBranchIndexGrain
{
    private static readonly TimeSpan FlushEvery = TimeSpan.FromSeconds(5);
    private readonly WriteBehind<BranchIndexState> _writeBehind = new(state);

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        this.RegisterGrainTimer(_writeBehind.FlushAsync, FlushEvery, FlushEvery);
        return Task.CompletedTask;
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        if (reason.ReasonCode == DeactivationReasonCode.ShuttingDown && !policy.Value.SaveOnShutdown)
        {
            return;
        }
        try
        {
            await _writeBehind.FlushAsync(cancellationToken);
        }
        catch (Exception failure) when (failure is not OutOfMemoryException)
        {
            // Counts are rebuilt from the branches' reports when the index activates again.
            LogFlushFailed(logger, reason.ReasonCode, failure.GetType().Name);
        }
    }

    public Task ReportOccupancy(BranchCount count)
    {
        var counts = state.State.Counts;
        // Reports are one-way and may arrive out of order: the highest version wins.
        if (!counts.TryGetValue(count.BranchId, out var known) || known.Version < count.Version)
        {
            counts[count.BranchId] = count;
            Record(count);
            _writeBehind.Changed();
        }
        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<BranchCount>> GetBranches() =>
        Task.FromResult<IReadOnlyList<BranchCount>>([.. state.State.Counts.Values.OrderBy(c => c.BranchId, StringComparer.Ordinal)]);


    [LoggerMessage(Level = LogLevel.Warning, Message = "Branch index not flushed on deactivation ({Reason}): {Error}")]
    private static partial void LogFlushFailed(ILogger logger, DeactivationReasonCode reason, string error);
}

[GenerateSerializer, Alias("NextGenCrm.Branches.BranchIndexState")]
public sealed class BranchIndexState
{
    [Id(0)] public Dictionary<string, BranchCount> Counts { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Each branch's peaks of the day, for the dashboard's sparkline.</summary>
    [Id(1)] public Dictionary<string, BranchDaySeries> Days { get; set; } = new(StringComparer.Ordinal);
}
