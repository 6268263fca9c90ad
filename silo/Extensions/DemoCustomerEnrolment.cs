using Microsoft.Extensions.Options;
using NextGenCrm.Integrations.Embedded;
using NextGenCrm.Ports;
using NextGenCrm.Silo.Configuration;

namespace NextGenCrm.Silo.Extensions;

/// <summary>Enrols the demo customers file into the simulated face collection before the silo takes sightings.</summary>
public sealed partial class DemoCustomerEnrolment(IOptions<DemoCustomersOptions> options, IFaceSearch faceSearch, ICustomerDirectory directory, ILogger<DemoCustomerEnrolment> logger)
    : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var customers = await DemoCustomers.LoadAsync(options.Value.File, cancellationToken);
        // An earlier start on the same data folder enrolled them already: another face each would only pile up.
        var notYet = new List<DemoCustomer>();
        foreach (var customer in customers)
        {
            if (await directory.GetAsync(customer.CustomerId, cancellationToken) is null)
            {
                notYet.Add(customer);
            }
        }
        await DemoCustomers.EnrolAsync(notYet, faceSearch, directory, cancellationToken);
        LogEnrolled(notYet.Count, customers.Count - notYet.Count);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Information, Message = "Enrolled {Count} demo customers into the simulated face collection ({Already} were enrolled already)")]
    private partial void LogEnrolled(int count, int already);
}
