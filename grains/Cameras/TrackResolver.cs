using NextGenCrm.Ports;

namespace NextGenCrm.Cameras;

/// <summary>Who a new track is: stores its crop, searches the face, looks the match up in the customer directory.</summary>
public sealed class TrackResolver(IFaceSearch faceSearch, ICustomerDirectory directory, IImageStore images, VisitMetrics metrics)
{
    public const string CustomerPrefix = "c-";
    public const string AnonymousPrefix = "v-";

    /// <summary>
    /// Resolves the sighting's face to a visitor, or null when the image holds no face. An unknown face
    /// is indexed as an anonymous visitor when <paramref name="allowIndexing"/>, so the same stranger seen
    /// again is the same visitor.
    /// </summary>
    public async Task<TrackIdentity?> ResolveAsync(Sighting sighting, bool allowIndexing, CancellationToken cancellationToken)
    {
        var (face, imageKey) = await FaceOfAsync(sighting, cancellationToken);
        metrics.FaceSearched();
        var found = await faceSearch.SearchAsync(face, cancellationToken);
        switch (found.Outcome)
        {
            case FaceSearchOutcome.Match:
                var customer = await directory.FindByFaceIdAsync(found.FaceId!, cancellationToken);
                return customer is null
                    ? new TrackIdentity(AnonymousPrefix + found.FaceId, new VisitorProfile(VisitorKind.New, null, null), imageKey)
                    : new TrackIdentity(CustomerPrefix + customer.CustomerId, new VisitorProfile(VisitorKind.Customer, customer.CustomerId, customer.Name), imageKey);
            case FaceSearchOutcome.NoMatch when allowIndexing:
                var indexed = await faceSearch.IndexAsync(face, AnonymousPrefix + sighting.SightingId, cancellationToken);
                if (indexed.Outcome != FaceSearchOutcome.Match)
                {
                    return null;
                }
                metrics.FaceIndexed();
                return new TrackIdentity(AnonymousPrefix + indexed.FaceId, new VisitorProfile(VisitorKind.New, null, null), imageKey);
            default:
                return null;
        }
    }

    private async Task<(FaceImage Face, string? ImageKey)> FaceOfAsync(Sighting sighting, CancellationToken cancellationToken)
    {
        if (sighting.FaceToken is { } token)
        {
            return (FaceImage.FromToken(token), null);
        }
        if (sighting.Image is { } bytes)
        {
            var key = await images.PutAsync(new CropLocation(sighting.BranchId, sighting.CameraId, sighting.CapturedAt, sighting.SightingId), bytes, cancellationToken);
            return (FaceImage.FromBytes(bytes), key);
        }
        if (sighting.ImageRef is { } imageRef)
        {
            return (FaceImage.FromStoredImage(imageRef), imageRef);
        }
        throw new ArgumentException($"Sighting {sighting.SightingId} carries no face: no image, imageRef or faceToken.", nameof(sighting));
    }
}

public sealed record TrackIdentity(string VisitorId, VisitorProfile Profile, string? ImageKey);
