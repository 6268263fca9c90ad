using System.Collections.Concurrent;
using NextGenCrm.Ports;

namespace NextGenCrm.Integrations.Embedded;

/// <summary>The customer directory of the embedded mode, filled by enrolment (the demo customers file at start).</summary>
public sealed class InMemoryCustomerDirectory : ICustomerDirectory
{
    private readonly ConcurrentDictionary<string, Customer> _byFaceId = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Customer> _byCustomerId = new(StringComparer.Ordinal);

    public Task<Customer?> FindByFaceIdAsync(string faceId, CancellationToken cancellationToken) =>
        Task.FromResult(_byFaceId.GetValueOrDefault(faceId));

    public Task<bool> EnrolAsync(string personId, Customer customer, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(customer);
        var recorded = _byFaceId.AddOrUpdate(personId, customer, (_, existing) => existing.CustomerId == customer.CustomerId ? customer : existing);
        if (recorded.CustomerId != customer.CustomerId)
        {
            return Task.FromResult(false);
        }
        _byCustomerId[customer.CustomerId] = customer;
        return Task.FromResult(true);
    }

    public Task<Customer?> GetAsync(string customerId, CancellationToken cancellationToken) =>
        Task.FromResult(_byCustomerId.GetValueOrDefault(customerId));

    public Task<IReadOnlyList<string>> FindFaceIdsAsync(string customerId, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<string>>([.. FacesOf(customerId).Select(face => face.Key)]);

    public Task<IReadOnlyList<string>> EraseAsync(string customerId, CancellationToken cancellationToken)
    {
        _byCustomerId.TryRemove(customerId, out _);
        // Removes a face only while it is still this customer's, not one enrolled to someone else meanwhile.
        IReadOnlyList<string> erased = [.. FacesOf(customerId).Where(face => _byFaceId.TryRemove(face)).Select(face => face.Key)];
        return Task.FromResult(erased);
    }

    private IEnumerable<KeyValuePair<string, Customer>> FacesOf(string customerId) =>
        _byFaceId.Where(face => string.Equals(face.Value.CustomerId, customerId, StringComparison.Ordinal));
}
