namespace NextGenCrm.Silo.Ingest;

/// <summary>Hands a validated sighting to its camera grain. Shared by the HTTP API, the SQS poller and the demo feed.</summary>
public sealed class SightingIngest(IGrainFactory grains)
{
    public Task<SightingResult> RecordAsync(Sighting sighting) =>
        grains.GetGrain<ICameraGrain>(sighting.CameraKey).RecordSighting(sighting);
}
