using NextGenCrm.Ports;

namespace NextGenCrm.Silo.Ingest;

/// <summary>
/// Hands a validated sighting to its camera grain, once its face is known to be usable: an inline image
/// decodes, an <c>imageRef</c> names a crop that exists. Shared by the HTTP API, the SQS poller and the demo feed.
/// A batch (<see cref="RecordBatchAsync"/>) goes to each camera in one call.
/// </summary>
public sealed partial class SightingIngest(IGrainFactory grains, IImageStore images)
{
    /// <exception cref="UnprocessableSightingException">The face cannot be used; nothing was stored or searched.</exception>
    public async Task<SightingResult> RecordAsync(Sighting sighting, CancellationToken cancellationToken = default)
    {
        if (await ProblemOfAsync(sighting, cancellationToken) is { } problem)
        {
            throw new UnprocessableSightingException(problem);
        }
        return await grains.GetGrain<ICameraGrain>(sighting.CameraKey).RecordSighting(sighting);
    }

    /// <summary>Why the sighting's face cannot be used, or null when it can.</summary>
    private async Task<string?> ProblemOfAsync(Sighting sighting, CancellationToken cancellationToken)
    {
        if (sighting.Image is { } image && CropImages.ProblemOf(image) is { } problem)
        {
            return problem;
        }
        if (sighting.ImageRef is { } imageRef && !await images.ExistsAsync(imageRef, cancellationToken))
        {
            return $"imageRef names no stored crop (or one this silo cannot read): {imageRef}";
        }
        return null;
    }
}
