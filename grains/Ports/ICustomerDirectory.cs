namespace NextGenCrm.Ports;

/// <summary>Who a recognised face belongs to (DynamoDB table customer-rekognition-collection in production).</summary>
public interface ICustomerDirectory
{
    Task<Customer?> FindByFaceIdAsync(string faceId, CancellationToken cancellationToken);

    /// <summary>Records that <paramref name="faceId"/> is <paramref name="customer"/>'s face (enrolment).</summary>
    Task EnrolAsync(string faceId, Customer customer, CancellationToken cancellationToken);

    Task<Customer?> GetAsync(string customerId, CancellationToken cancellationToken);

    /// <summary>The ids of every face recorded as <paramref name="customerId"/>'s.</summary>
    Task<IReadOnlyList<string>> FindFaceIdsAsync(string customerId, CancellationToken cancellationToken);

    /// <summary>
    /// Deletes every record of <paramref name="customerId"/> (erasure); returns the face ids whose records were
    /// deleted, none when the customer is unknown or already erased.
    /// </summary>
    Task<IReadOnlyList<string>> EraseAsync(string customerId, CancellationToken cancellationToken);
}

/// <summary>A bank customer. Name and phone are personal data: never log them.</summary>
public sealed record Customer(string CustomerId, string Name, string? Phone = null);
