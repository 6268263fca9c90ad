using Orleans.Concurrency;

namespace NextGenCrm;

/// <summary>What changed in a branch, as staff watching it would notice.</summary>
public enum BranchChangeKind
{
    VisitOpened,
    /// <summary>The visitor was seen again, a minute or more after the last time the feed said so.</summary>
    VisitExtended,
    VisitClosed,
    TaskStatusChanged,
    /// <summary>A camera came online, went offline or degraded.</summary>
    CameraChanged,
}

/// <summary>A numbered change of a feed: (epoch, sequence) orders it and names it to a reconnecting subscriber.</summary>
public interface IFeedItem
{
    long Epoch { get; }
    long Sequence { get; }
}

/// <summary>A camera's health as the dashboard shows it.</summary>
public enum CameraHealth
{
    Online,
    Degraded,
    Offline,
}

/// <summary>
/// One change of a branch, numbered: <see cref="Epoch"/> names the branch grain's activation (a new one starts a
/// new numbering), <see cref="Sequence"/> grows by one per change within it, so a gap is seen.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record BranchChange(
    [property: Id(0)] string BranchId,
    [property: Id(1)] long Epoch,
    [property: Id(2)] long Sequence,
    [property: Id(3)] BranchChangeKind Kind,
    [property: Id(4)] DateTimeOffset At,
    [property: Id(5)] string? VisitorId,
    [property: Id(6)] Occupant? Occupant,
    [property: Id(7)] BranchCamera? Camera) : IFeedItem;

[GenerateSerializer, Immutable]
public sealed record BranchCamera(
    [property: Id(0)] string CameraId,
    [property: Id(1)] CameraHealth Health,
    [property: Id(2)] DateTimeOffset? LastHeartbeatAt,
    [property: Id(3)] double FramesPerSecond,
    [property: Id(4)] bool IsExit);

/// <summary>A branch's whole state at (<see cref="Epoch"/>, <see cref="Sequence"/>): what a new subscriber starts from.</summary>
[GenerateSerializer, Immutable]
public sealed record BranchSnapshot(
    [property: Id(0)] long Epoch,
    [property: Id(1)] long Sequence,
    [property: Id(2)] Occupancy Occupancy,
    [property: Id(3)] IReadOnlyList<BranchCamera> Cameras);

/// <summary>
/// What a subscriber resuming after (epoch, sequence) needs: the changes since, or, when the branch no longer holds
/// them (too old, or another activation), a snapshot to start again from.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record BranchFeedPage(
    [property: Id(0)] BranchSnapshot? Snapshot,
    [property: Id(1)] IReadOnlyList<BranchChange> Changes);

/// <summary>Told of every change of a branch; one per silo and branch watched, not one per browser.</summary>
[Alias("NextGenCrm.IBranchObserver")]
public interface IBranchObserver : IGrainObserver
{
    [OneWay]
    Task OnBranchChanged(BranchChange change);
}

/// <summary>One branch in the all-branches summary: its count now and its peak in each slot of the day.</summary>
[GenerateSerializer, Immutable]
public sealed record BranchDay(
    [property: Id(0)] string BranchId,
    [property: Id(1)] int Occupancy,
    [property: Id(2)] DateTimeOffset AsOf,
    [property: Id(3)] DateOnly Day,
    [property: Id(4)] int[] PeakPerSlot);

/// <summary>A change of the all-branches summary, numbered like <see cref="BranchChange"/>.</summary>
[GenerateSerializer, Immutable]
public sealed record BranchSummaryChange(
    [property: Id(0)] long Epoch,
    [property: Id(1)] long Sequence,
    [property: Id(2)] BranchDay Branch) : IFeedItem;

[GenerateSerializer, Immutable]
public sealed record BranchSummarySnapshot(
    [property: Id(0)] long Epoch,
    [property: Id(1)] long Sequence,
    [property: Id(2)] IReadOnlyList<BranchDay> Branches);

[GenerateSerializer, Immutable]
public sealed record BranchSummaryPage(
    [property: Id(0)] BranchSummarySnapshot? Snapshot,
    [property: Id(1)] IReadOnlyList<BranchSummaryChange> Changes);

[Alias("NextGenCrm.IBranchSummaryObserver")]
public interface IBranchSummaryObserver : IGrainObserver
{
    [OneWay]
    Task OnSummaryChanged(BranchSummaryChange change);
}
