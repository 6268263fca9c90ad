namespace NextGenCrm;

/// <summary>
/// What became of one sighting of a camera's batch (<see cref="ICameraGrain.RecordSightings"/>): its result, or
/// why it was not recorded (the failure's type name only: a message may carry ids) — the sender should send it again.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record SightingAttempt(
    [property: Id(0)] SightingResult? Result,
    [property: Id(1)] string? Failure = null)
{
    /// <summary>Not started: the batch's time was up (<c>CameraGrain.BatchBudget</c>).</summary>
    public const string NotStarted = "NotStarted";

    /// <summary>The item names another camera than the grain it was sent to.</summary>
    public const string OtherCamera = "OtherCamera";

    public bool Recorded => Result is not null;
}
