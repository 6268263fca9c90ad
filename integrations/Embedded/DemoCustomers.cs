using NextGenCrm.Customers;
using System.Text.Json;
using System.Text.Json.Serialization;
using NextGenCrm.Ports;

namespace NextGenCrm.Integrations.Embedded;

/// <summary>
/// The demo customers file of the embedded mode: customers with the face token that stands in for
/// their face. Enrolling indexes each token with the customer id as external id, as production
/// enrolment indexes a photo in Rekognition.
/// </summary>
public static class DemoCustomers
{
    public const long MaxFileBytes = 1024 * 1024;

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    };

    public static async Task<IReadOnlyList<DemoCustomer>> LoadAsync(string path, CancellationToken cancellationToken)
    {
        var file = new FileInfo(path);
        if (!file.Exists)
        {
            throw new FileNotFoundException($"Directory:DemoCustomersPath '{path}' does not exist.", path);
        }
        if (file.Length > MaxFileBytes)
        {
            throw new InvalidDataException($"Directory:DemoCustomersPath '{path}' is {file.Length} bytes; at most {MaxFileBytes} are read.");
        }
        await using var stream = file.OpenRead();
        DemoCustomerFile? parsed;
        try
        {
            parsed = await JsonSerializer.DeserializeAsync<DemoCustomerFile>(stream, Json, cancellationToken);
        }
        catch (JsonException invalid)
        {
            throw new InvalidDataException($"Directory:DemoCustomersPath '{path}' is not a valid customers file: {invalid.Message}", invalid);
        }
        var customers = parsed?.Customers ?? [];
        foreach (var (customer, index) in customers.Select((c, i) => (c, i)))
        {
            if (string.IsNullOrWhiteSpace(customer.CustomerId) || string.IsNullOrWhiteSpace(customer.Name) || string.IsNullOrWhiteSpace(customer.FaceToken))
            {
                throw new InvalidDataException($"Directory:DemoCustomersPath '{path}': customer #{index} needs customerId, name and faceToken.");
            }
        }
        return customers;
    }

    public static async Task EnrolAsync(IEnumerable<DemoCustomer> customers, IFaceSearch faceSearch, ICustomerDirectory directory, CancellationToken cancellationToken)
    {
        foreach (var customer in customers)
        {
            var outcome = await CustomerEnrolment.EnrolAsync(
                new Customer(customer.CustomerId, customer.Name, customer.Phone), FaceImage.FromToken(customer.FaceToken), faceSearch, directory, cancellationToken);
            if (outcome.Status != EnrolmentStatus.Enrolled)
            {
                throw new InvalidDataException($"Demo customer {customer.CustomerId} was not enrolled: {outcome.Status}.");
            }
        }
    }

    private sealed record DemoCustomerFile(IReadOnlyList<DemoCustomer>? Customers);
}

public sealed record DemoCustomer(string CustomerId, string Name, string FaceToken, string? Phone = null);
