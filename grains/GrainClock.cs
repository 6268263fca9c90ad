namespace NextGenCrm;

/// <summary>
/// The grains read time from a keyed <see cref="TimeProvider"/> so tests can move the visit clock
/// without moving the clock Orleans itself runs membership and timers on.
/// </summary>
public static class GrainClock
{
    public const string Key = "nextgencrm.visits";
}

public static class StorageNames
{
    public const string Visits = "visits";
}
