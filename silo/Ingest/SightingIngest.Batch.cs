namespace NextGenCrm.Silo.Ingest;

/// <summary>What became of one item of a batch: recorded (200), its face unusable (422), or not recorded (503, send again).</summary>
public sealed record BatchIngestOutcome(SightingResult? Result, string? Unusable = null, string? NotRecorded = null)
{
    public static BatchIngestOutcome Recorded(SightingResult result) => new(result);

    public static BatchIngestOutcome FaceUnusable(string problem) => new(null, Unusable: problem);

    /// <param name="why">For the log: a failure's type name, never its message.</param>
    public static BatchIngestOutcome Failed(string why) => new(null, NotRecorded: why);
}

public sealed partial class SightingIngest
{
    /// <summary>
    /// Records a batch of validated sightings (an edge agent draining its buffer): one outcome per item, in the
    /// batch's order. Each camera's sightings go to it in ONE grain call, in the order they were captured (a stable
    /// sort: equal times keep the batch's order; out of order, a later one would open the visit and the camera would
    /// absorb the earlier ones as repeats of its track); cameras go side by side (the visitor places a sighting
    /// that crosses another camera's: a late one joins the visit it was captured in). An item whose face is
    /// unusable is left out of its camera's call; an item that fails, or every item of a camera whose call fails,
    /// is reported not recorded, and the others stand.
    /// </summary>
    public async Task<BatchIngestOutcome[]> RecordBatchAsync(IReadOnlyList<Sighting> sightings, CancellationToken cancellationToken = default)
    {
        var outcomes = new BatchIngestOutcome[sightings.Count];
        await Task.WhenAll(Enumerable.Range(0, sightings.Count)
            .GroupBy(i => sightings[i].CameraKey, StringComparer.Ordinal)
            .Select(camera => RecordCameraAsync([.. camera.OrderBy(i => sightings[i].CapturedAt)], sightings, outcomes, cancellationToken)));
        return outcomes;
    }

    private async Task RecordCameraAsync(int[] items, IReadOnlyList<Sighting> sightings, BatchIngestOutcome[] outcomes, CancellationToken cancellationToken)
    {
        var usable = new List<int>(items.Length);
        foreach (var index in items)
        {
            try
            {
                if (await ProblemOfAsync(sightings[index], cancellationToken) is { } problem)
                {
                    outcomes[index] = BatchIngestOutcome.FaceUnusable(problem);
                    continue;
                }
                usable.Add(index);
            }
            catch (Exception failure) when (failure is not OutOfMemoryException)
            {
                outcomes[index] = BatchIngestOutcome.Failed(failure.GetType().Name); // the image store did not answer
            }
        }
        if (usable.Count == 0)
        {
            return;
        }
        try
        {
            var attempts = await grains.GetGrain<ICameraGrain>(sightings[usable[0]].CameraKey)
                .RecordSightings([.. usable.Select(index => sightings[index])]);
            for (var k = 0; k < usable.Count; k++)
            {
                outcomes[usable[k]] = k < attempts.Length && attempts[k].Result is { } result
                    ? BatchIngestOutcome.Recorded(result)
                    : BatchIngestOutcome.Failed(k < attempts.Length ? attempts[k].Failure ?? "NoResult" : "NoResult");
            }
        }
        catch (Exception failure) when (failure is not OutOfMemoryException)
        {
            // The camera's call failed as a whole (its silo gone, a timeout): none of its items is known to be recorded.
            foreach (var index in usable)
            {
                outcomes[index] = BatchIngestOutcome.Failed(failure.GetType().Name);
            }
        }
    }
}
