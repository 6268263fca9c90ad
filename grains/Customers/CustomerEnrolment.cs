using NextGenCrm.Ports;

namespace NextGenCrm.Customers;

public enum EnrolmentStatus { Enrolled, NoFace, Conflict }

public sealed record EnrolmentOutcome(EnrolmentStatus Status, string? FaceId = null);

/// <summary>
/// Enrolment of a customer from a photo: the directory record first (keyed by the person id "c-{customerId}"),
/// then the face added to that person in the collection. In this order an interrupted enrolment leaves a
/// record without a face (not recognised yet; enrol again), never a face nobody can name.
/// </summary>
public static class CustomerEnrolment
{
    public static async Task<EnrolmentOutcome> EnrolAsync(
        Customer customer, FaceImage face, IFaceSearch faceSearch, ICustomerDirectory directory, CancellationToken cancellationToken)
    {
        var personId = PersonIds.OfCustomer(customer.CustomerId);
        if (!await directory.EnrolAsync(personId, customer, cancellationToken))
        {
            return new EnrolmentOutcome(EnrolmentStatus.Conflict);
        }
        var added = await faceSearch.AddFaceAsync(face, personId, cancellationToken);
        return added.Outcome == FaceSearchOutcome.Match
            ? new EnrolmentOutcome(EnrolmentStatus.Enrolled, added.FaceId)
            : new EnrolmentOutcome(EnrolmentStatus.NoFace);
    }
}
