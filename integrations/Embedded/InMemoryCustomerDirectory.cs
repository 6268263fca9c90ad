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

    public Task EnrolAsync(string faceId, Customer customer, CancellationToken cancellationToken)
    {
        _byFaceId[faceId] = customer;
        _byCustomerId[customer.CustomerId] = customer;
        return Task.CompletedTask;
    }

    public Task<Customer?> GetAsync(string customerId, CancellationToken cancellationToken) =>
        Task.FromResult(_byCustomerId.GetValueOrDefault(customerId));
}
