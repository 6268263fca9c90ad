using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using NextGenCrm.Integrations.Aws;
using NextGenCrm.Orleans.DynamoDb;
using NextGenCrm.ServiceDefaults;
using NextGenCrm.Silo.Apis;
using NextGenCrm.Silo.Configuration;
using NextGenCrm.Silo.Health;
using NextGenCrm.Silo.Security;
using Orleans.Dashboard;

namespace NextGenCrm.Silo.Extensions;

/// <summary>The silo's telemetry: the shared defaults, its readiness checks, Orleans' spans and the Orleans dashboard.</summary>
public static class SiloTelemetryExtensions
{
    public const string OrleansDashboardPath = "/orleans";

    public static WebApplicationBuilder AddSiloTelemetry(this WebApplicationBuilder builder, SiloAdapters adapters, AwsOptions aws)
    {
        builder.AddServiceDefaults("nextgencrm-silo", new TracePrivacy(VisitTracing.GrainTypesKeyedByPlace));
        builder.Services.AddValidatedOptions<HealthOptions, HealthOptionsValidator>(HealthOptions.SectionName);
        builder.Services.AddSingleton(new StorageProbeClient(aws));
        builder.Services.AddHealthChecks()
            .AddCheck<MembershipCheck>("membership", tags: [ServiceDefaultsExtensions.ReadyTag])
            .Add(new HealthCheckRegistration("storage", sp => new StorageReachableCheck(StorageProbe(sp, adapters)),
                HealthStatus.Unhealthy, [ServiceDefaultsExtensions.ReadyTag]))
            .Add(new HealthCheckRegistration("outbox", sp => new OutboxAgeCheck(sp.GetRequiredService<VisitMetrics>(), sp.GetRequiredService<IOptions<HealthOptions>>().Value.MaxOutboxAge),
                HealthStatus.Degraded, [ServiceDefaultsExtensions.ReadyTag]));
        return builder;
    }

    /// <summary>Grain calls carry the trace context (HTTP → camera → visitor → courier → adapter), and the dashboard's grain services.</summary>
    public static ISiloBuilder AddSiloTelemetry(this ISiloBuilder silo, IConfiguration configuration)
    {
        silo.AddActivityPropagation();
        if (configuration.GetValidatedOptions<TelemetryOptions, TelemetryOptionsValidator>(TelemetryOptions.SectionName).OrleansDashboard)
        {
            silo.AddDashboard();
            silo.Services.AddSingleton<OrleansDashboardServed>();
        }
        return silo;
    }

    /// <summary>The telemetry endpoints, and the Orleans dashboard at /orleans for the admin role only.</summary>
    public static WebApplication MapSiloTelemetry(this WebApplication app)
    {
        // A host of the API alone (in front of a test cluster) has the health endpoints and no silo of its own to show.
        app.MapDefaultEndpoints();
        if (app.Services.GetService<OrleansDashboardServed>() is not null)
        {
            app.MapOrleansDashboard(OrleansDashboardPath).RequireAuthorization(Policies.Admin).ExcludeFromDescription();
        }
        return app;
    }

    private static Func<CancellationToken, Task<string>> StorageProbe(IServiceProvider services, SiloAdapters adapters) =>
        adapters.Storage switch
        {
            OrleansProvidersOptions.Sqlite => StorageReachableCheck.Sqlite(adapters.Local.OrleansDatabase),
            OrleansProvidersOptions.DynamoDB => StorageReachableCheck.DynamoDb(services.GetRequiredService<StorageProbeClient>().DynamoDb,
                services.GetRequiredService<IConfiguration>()[$"Orleans:GrainStorage:{StorageNames.Visits}:TableName"] is { Length: > 0 } table ? table : global::Orleans.Configuration.DynamoDBStorageOptions.DefaultTableName),
            _ => StorageReachableCheck.Memory(),
        };

    private sealed class OrleansDashboardServed;

    /// <summary>The probe's own DynamoDB client, made at the first probe (the providers keep theirs to themselves).</summary>
    private sealed class StorageProbeClient(AwsOptions aws) : IDisposable
    {
        private readonly Lazy<Amazon.DynamoDBv2.IAmazonDynamoDB> _client = new(() => new AwsClients(Options.Create(aws)).CreateDynamoDb());

        public Amazon.DynamoDBv2.IAmazonDynamoDB DynamoDb => _client.Value;

        public void Dispose()
        {
            if (_client.IsValueCreated)
            {
                _client.Value.Dispose();
            }
        }
    }
}
