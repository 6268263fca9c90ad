namespace NextGenCrm.Ports;

/// <summary>
/// Who a recognised person is (DynamoDB table customer-rekognition-collection in production). Records are
/// keyed by a person id: "c-{customerId}" for a customer enrolled from a photo, "v-…" for an anonymous
/// visitor a salesperson enrolled as the customer (builds before the Rekognition users kept face ids here).
/// </summary>
public interface ICustomerDirectory
{
    Task<Customer?> FindByFaceIdAsync(string personId, CancellationToken cancellationToken);

    /// <summary>
    /// Records that <paramref name="personId"/> is <paramref name="customer"/> (enrolment); false, and nothing
    /// written, when the person is recorded as another customer already: a person is never re-pointed.
    /// </summary>
    Task<bool> EnrolAsync(string personId, Customer customer, CancellationToken cancellationToken);

    Task<Customer?> GetAsync(string customerId, CancellationToken cancellationToken);

    /// <summary>The keys (person ids) of every record of <paramref name="customerId"/>.</summary>
    Task<IReadOnlyList<string>> FindFaceIdsAsync(string customerId, CancellationToken cancellationToken);

    /// <summary>
    /// Deletes every record of <paramref name="customerId"/> (erasure); returns the keys whose records were
    /// deleted, none when the customer is unknown or already erased.
    /// </summary>
    Task<IReadOnlyList<string>> EraseAsync(string customerId, CancellationToken cancellationToken);
}

/// <summary>A bank customer. Name and phone are personal data: never log them.</summary>
public sealed record Customer(string CustomerId, string Name, string? Phone = null);
