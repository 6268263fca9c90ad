using NextGenCrm.Ports;

namespace NextGenCrm.Silo.Ingest;

/// <summary>
/// Hands a validated sighting to its camera grain, once its face is known to be usable: an inline image
/// decodes, an <c>imageRef</c> names a crop that exists. Shared by the HTTP API, the SQS poller and the demo feed.
/// </summary>
public sealed class SightingIngest(IGrainFactory grains, IImageStore images)
{
    /// <exception cref="UnprocessableSightingException">The face cannot be used; nothing was stored or searched.</exception>
    public async Task<SightingResult> RecordAsync(Sighting sighting, CancellationToken cancellationToken = default)
    {
        if (sighting.Image is { } image && CropImages.ProblemOf(image) is { } problem)
        {
            throw new UnprocessableSightingException(problem);
        }
        if (sighting.ImageRef is { } imageRef && !await images.ExistsAsync(imageRef, cancellationToken))
        {
            throw new UnprocessableSightingException($"imageRef names no stored crop (or one this silo cannot read): {imageRef}");
        }
        return await grains.GetGrain<ICameraGrain>(sighting.CameraKey).RecordSighting(sighting);
    }
}
