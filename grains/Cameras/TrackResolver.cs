using Microsoft.Extensions.DependencyInjection;
using NextGenCrm.Ports;

namespace NextGenCrm.Cameras;

/// <summary>
/// Who a new track is: stores its crop, searches the face, and names the person: a customer by their
/// directory record, or an anonymous visitor. A face nobody matched goes to the branch's
/// <see cref="IFaceRegistrarGrain"/>, which registers each stranger once.
/// </summary>
public sealed class TrackResolver(
    IFaceSearch faceSearch, ICustomerDirectory directory, IImageStore images, IGrainFactory grains, VisitMetrics metrics,
    [FromKeyedServices(GrainClock.Key)] TimeProvider clock)
{
    public const string CustomerPrefix = PersonIds.CustomerPrefix;
    public const string AnonymousPrefix = PersonIds.AnonymousPrefix;

    /// <summary>
    /// Resolves the sighting's face to a visitor, or null when the image holds no face (or, when
    /// <paramref name="allowRegistering"/> is false, when nobody matched).
    /// </summary>
    public async Task<TrackIdentity?> ResolveAsync(Sighting sighting, bool allowRegistering, CancellationToken cancellationToken)
    {
        var (face, imageKey) = await FaceOfAsync(sighting, cancellationToken);
        var identity = await IdentifyAsync(sighting, face, imageKey, allowRegistering, cancellationToken);
        var storedHere = sighting.Image is not null && imageKey is not null;
        if (identity is null && storedHere)
        {
            // A crop that names nobody (no face, nobody matched on a re-check, a customer being erased) is not kept.
            await DiscardCropAsync(imageKey!);
        }
        return identity is null ? null : identity with { CropStoredHere = storedHere };
    }

    /// <summary>
    /// Deletes a crop this silo stored that no visitor will keep (its visitor is erased): a crop the edge agent
    /// stored (<c>imageRef</c>) stays, as the sighting is sent again with it.
    /// </summary>
    public async Task DiscardCropAsync(string imageKey)
    {
        try
        {
            await images.DeleteAsync(imageKey, CancellationToken.None);
        }
        catch (Exception failure) when (failure is not OutOfMemoryException)
        {
            // Left to the crop store's retention.
        }
    }

    private async Task<TrackIdentity?> IdentifyAsync(Sighting sighting, FaceImage face, string? imageKey, bool allowRegistering, CancellationToken cancellationToken)
    {
        var searchedAt = clock.GetUtcNow();
        var found = await metrics.SearchAsync(faceSearch, face, cancellationToken);
        switch (found.Outcome)
        {
            case FaceSearchOutcome.Match:
                // Null while a customer is being erased: this sighting names nobody; the next one of the track searches again.
                return await IdentityOfAsync(found.PersonId!, imageKey, found.AlsoMatched, cancellationToken);
            case FaceSearchOutcome.NoMatch when allowRegistering:
                var registered = await grains.GetGrain<IFaceRegistrarGrain>(sighting.BranchId)
                    .Register(new UnmatchedFace(sighting.Image, imageKey ?? sighting.ImageRef, sighting.FaceToken, searchedAt, sighting.FaceDescriptor));
                return registered.PersonId is { } personId
                    ? await IdentityOfAsync(personId, imageKey, registered.AlsoMatched, cancellationToken)
                    : null;
            default:
                return null;
        }
    }

    /// <summary>
    /// The visitor a person id stands for: "c-{customerId}" is that customer; an anonymous "v-…" is the
    /// customer a salesperson enrolled it as, if any, or else itself. Null for a customer person whose
    /// directory record is gone (an erasure under way): nobody is named, and once the person is gone the face
    /// is a stranger's.
    /// </summary>
    public async Task<TrackIdentity?> IdentityOfAsync(string personId, string? imageKey, IReadOnlyList<string>? alsoMatched, CancellationToken cancellationToken)
    {
        var isCustomerPerson = personId.StartsWith(CustomerPrefix, StringComparison.Ordinal);
        var customer = isCustomerPerson
            ? await directory.GetAsync(personId[CustomerPrefix.Length..], cancellationToken)
            : await directory.FindByFaceIdAsync(personId, cancellationToken);
        if (customer is null && isCustomerPerson)
        {
            return null;
        }
        // The other people the face matched (a duplicate that slipped through). An anonymous one that a
        // salesperson enrolled names the customer, though the survivor rule put an older anonymous one first;
        // anonymous ones enrolled as nobody are merged into whoever this is. Two customers (or a visitor enrolled
        // as another customer) matching one face are lookalikes, and stay apart.
        List<string>? duplicates = null;
        var customersPerson = personId;
        foreach (var other in (alsoMatched ?? []).Where(p => p.StartsWith(AnonymousPrefix, StringComparison.Ordinal)))
        {
            var enrolledAs = await directory.FindByFaceIdAsync(other, cancellationToken);
            if (enrolledAs is null)
            {
                (duplicates ??= []).Add(other);
            }
            else if (customer is null)
            {
                customer = enrolledAs;
                customersPerson = other;
                (duplicates ??= []).Add(personId);
            }
        }
        return customer is null
            ? new TrackIdentity(personId, new VisitorProfile(VisitorKind.New, null, null), imageKey, duplicates)
            : new TrackIdentity(CustomerPrefix + customer.CustomerId, new VisitorProfile(VisitorKind.Customer, customer.CustomerId, customer.Name), imageKey, duplicates)
            {
                PersonId = customersPerson,
            };
    }

    private async Task<(FaceImage Face, string? ImageKey)> FaceOfAsync(Sighting sighting, CancellationToken cancellationToken)
    {
        if (sighting.FaceToken is { } token)
        {
            return (FaceImage.FromToken(token), null);
        }
        if (sighting.FaceDescriptor is { } descriptor)
        {
            // Computed at the edge: no picture of the face reached the silo, so there is no crop to keep.
            return (FaceImage.FromDescriptor(descriptor), null);
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
        throw new ArgumentException($"Sighting {sighting.SightingId} carries no face: no image, imageRef, faceToken or faceDescriptor.", nameof(sighting));
    }
}

/// <summary>
/// Who a track is. <see cref="AlsoMatched"/>: other people the face matched, duplicates of this one that
/// slipped through (two registrations at once), to be merged into it.
/// </summary>
public sealed record TrackIdentity(string VisitorId, VisitorProfile Profile, string? ImageKey, IReadOnlyList<string>? AlsoMatched = null)
{
    /// <summary>The person in the collection the face belongs to: the visitor id, or the anonymous person a salesperson enrolled.</summary>
    public string PersonId { get; init; } = VisitorId;

    /// <summary>Whether <see cref="ImageKey"/> is a crop this silo stored (an inline image), not the edge agent's <c>imageRef</c>.</summary>
    public bool CropStoredHere { get; init; }
}
