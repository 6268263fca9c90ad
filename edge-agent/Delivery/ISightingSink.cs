namespace NextGenCrm.EdgeAgent.Delivery;

/// <summary>Where the delivery loop sends buffered sightings: the silo's HTTP API, or S3 + SQS.</summary>
public interface ISightingSink
{
    /// <summary>
    /// Outcomes of a prefix of <paramref name="sightings"/>, in order; sightings past the returned
    /// ones count as not yet delivered. Each item is a sighting's JSON as buffered.
    /// </summary>
    Task<IReadOnlyList<DeliveryOutcome>> DeliverAsync(IReadOnlyList<byte[]> sightings, CancellationToken cancellationToken);
}
