using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace NextGenCrm.Integrations.Aws;

/// <summary>
/// At start-up, creates the Rekognition collection and the CRM tables when they are missing and the
/// options ask for it. A failure stops the host: a silo that cannot reach its face collection would
/// only fail every sighting later.
/// </summary>
internal sealed partial class AwsResourceInitializer(IServiceProvider services, ILogger<AwsResourceInitializer> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (services.GetService<RekognitionFaceSearch>() is { } faceSearch &&
            services.GetRequiredService<IOptions<FaceSearchOptions>>().Value.CreateCollectionIfMissing)
        {
            await faceSearch.EnsureCollectionAsync(cancellationToken);
        }
        if (services.GetService<CrmTables>() is { } tables &&
            services.GetRequiredService<IOptions<CrmTablesOptions>>().Value.CreateIfMissing)
        {
            await tables.EnsureCreatedAsync(cancellationToken);
            LogTablesReady();
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Information, Message = "CRM tables are in place")]
    private partial void LogTablesReady();
}
