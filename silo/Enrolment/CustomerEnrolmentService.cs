using NextGenCrm.Customers;
using NextGenCrm.Ports;
using NextGenCrm.Silo.Apis;
using NextGenCrm.Silo.Apis.Contracts;

namespace NextGenCrm.Silo.Enrolment;

public enum VisitorEnrolmentStatus { Enrolled, UnknownVisitor, AnotherCustomer }

/// <summary>How a visitor's enrolment ended; <see cref="VisitorId"/> is the customer's person id once enrolled.</summary>
public sealed record VisitorEnrolmentOutcome(VisitorEnrolmentStatus Status, string? VisitorId = null);

/// <summary>
/// Enrolment as the API asks for it, on requests that passed their validation: a customer from a photo (or a face
/// token, or a descriptor), or an anonymous visitor who turns out to be a customer.
/// </summary>
public sealed partial class CustomerEnrolmentService(
    IFaceSearch faceSearch, ICustomerDirectory directory, IGrainFactory grains, ILogger<CustomerEnrolmentService> logger)
{
    public async Task<EnrolmentOutcome> EnrolFaceAsync(string customerId, FaceEnrolmentRequest request, CancellationToken cancellationToken)
    {
        var outcome = await EnrolAsync(new Customer(customerId, request.Name!, request.Phone), FaceInputs.FaceOf(request), cancellationToken);
        if (outcome.Status != EnrolmentStatus.NoFace)
        {
            LogEnrolled(customerId);
        }
        return outcome;
    }

    /// <summary>The directory record, then the face (<see cref="CustomerEnrolment"/>); one row of an import too.</summary>
    internal Task<EnrolmentOutcome> EnrolAsync(Customer customer, FaceImage face, CancellationToken cancellationToken) =>
        CustomerEnrolment.EnrolAsync(customer, face, faceSearch, directory, cancellationToken);

    /// <summary>
    /// The directory record makes the person's next search name the customer; the visitor then hands its open visit
    /// over, so a stay that began anonymous goes on as the customer's with no second task. A visitor is never re-pointed.
    /// </summary>
    public async Task<VisitorEnrolmentOutcome> EnrolVisitorAsync(string visitorId, VisitorEnrolmentRequest request, CancellationToken cancellationToken)
    {
        var visitor = grains.GetGrain<IVisitorGrain>(visitorId);
        var enrolledAs = await directory.FindByFaceIdAsync(visitorId, cancellationToken);
        if (enrolledAs is null && (await visitor.GetVisits()).Count == 0)
        {
            return new VisitorEnrolmentOutcome(VisitorEnrolmentStatus.UnknownVisitor);
        }
        var customer = new Customer(request.CustomerId!, request.Name!, request.Phone);
        if (enrolledAs is not null && enrolledAs.CustomerId != customer.CustomerId || !await directory.EnrolAsync(visitorId, customer, cancellationToken))
        {
            return new VisitorEnrolmentOutcome(VisitorEnrolmentStatus.AnotherCustomer);
        }
        var survivorId = PersonIds.OfCustomer(customer.CustomerId);
        await visitor.MergeInto(survivorId, new VisitorProfile(VisitorKind.Customer, customer.CustomerId, customer.Name));
        LogEnrolled(customer.CustomerId);
        return new VisitorEnrolmentOutcome(VisitorEnrolmentStatus.Enrolled, survivorId);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Customer {CustomerId} enrolled")]
    private partial void LogEnrolled(string customerId);
}
