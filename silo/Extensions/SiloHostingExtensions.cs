using NextGenCrm.Silo.Dashboard;
using Microsoft.Extensions.DependencyInjection.Extensions;
using System.Text.Json;
using System.Text.Json.Serialization;
using NextGenCrm.Integrations.Appian;
using NextGenCrm.Integrations.Aws;
using NextGenCrm.Silo.Apis;
using NextGenCrm.Silo.Configuration;
using NextGenCrm.Silo.Ingest;
using NextGenCrm.Silo.Security;
using NextGenCrm.Visits;

namespace NextGenCrm.Silo.Extensions;

public static class SiloHostingExtensions
{
    /// <summary>The whole silo: configuration checked, adapters chosen, Orleans, the HTTP API.</summary>
    public static WebApplicationBuilder AddNextGenCrmSilo(this WebApplicationBuilder builder)
    {
        var configuration = builder.Configuration;
        var ephemeral = ConfigurationReader.Bind<LocalStoreOptions>(configuration, LocalStoreOptions.Section).Ephemeral;
        var orleans = OrleansSettings.Read(configuration, ephemeral);
        var faceSearch = FaceSearchSelection.Read(configuration);
        // The data folder holds grain state (SQLite storage) and the embedded adapters' records; on AWS, nothing.
        var local = LocalStoreOptions.Read(configuration,
            used: orleans.Storage == OrleansSettings.Sqlite || orleans.Reminders == OrleansSettings.Sqlite || faceSearch.Provider != FaceSearchProvider.Rekognition);
        OrleansSettings.AddEmbeddedDefaults(builder.Configuration, configuration, local);
        var onAwsStorage = orleans.Storage == OrleansSettings.DynamoDB;
        var deliveries = DeliveryTargets.Read(configuration, onAwsStorage, faceSearch);

        var aws = ConfigurationReader.Bind<AwsOptions>(configuration, AwsOptions.SectionName);
        ConfigurationReader.ThrowIfAny(new AwsOptionsValidator().Validate(null, aws).Failures?.ToList() ?? []);

        builder.Services.AddVisitTracking(configuration);
        builder.AddSiloTelemetry(orleans, aws, local);
        if (orleans.Storage == OrleansSettings.Memory)
        {
            // In-memory grain state ends with the silo: nothing to save while it shuts down.
            builder.Services.PostConfigure<VisitPolicy>(policy => policy.SaveOnShutdown = false);
        }
        builder.Services.AddSingleton(local);
        builder.Services.AddEmbeddedAdapters(configuration, local);
        if (faceSearch.Provider == FaceSearchProvider.OnPremises)
        {
            // After the embedded defaults: the on-premises search is the face search; the rest stays embedded.
            builder.Services.AddOnPremisesFaceSearch(configuration, faceSearch, orleans, local);
        }
        if (faceSearch.Provider != FaceSearchProvider.Rekognition)
        {
            if (faceSearch.Provider == FaceSearchProvider.Simulated)
            {
                builder.Services.AddHostedService<DemoCustomerEnrolment>();
            }
            // Crops stay on this machine only in the embedded mode; on AWS the bucket's lifecycle rule expires them.
            builder.Services.TryAddSingleton(TimeProvider.System);
            builder.Services.AddHostedService<ImageRetentionSweeper>();
            if (onAwsStorage)
            {
                // The history holds the task's and the alert's receipts: on a cluster it must outlive the silo that wrote it.
                builder.Services.AddDynamoDbVisitHistory(configuration);
            }
        }
        else
        {
            // Registered after the embedded defaults: for each port the last registration wins.
            builder.Services.AddAwsAdapters(configuration);
        }
        if (configuration["Audit:Store"] is { Length: > 0 } store ? store == "DynamoDb" : faceSearch.Provider == FaceSearchProvider.Rekognition)
        {
            // Before AddSiloApi, whose local-file audit log is only the default.
            builder.Services.AddDynamoDbAuditLog(configuration);
        }
        if (deliveries.Appian)
        {
            builder.Services.AddAppianTaskAssigner(configuration);
        }
        if (deliveries.Sns && faceSearch.Provider != FaceSearchProvider.Rekognition)
        {
            // DynamoDB storage with the simulated face search: AddAwsAdapters, which brings the publisher, is not called.
            builder.Services.AddSnsAlertPublisher(configuration);
        }
        builder.Services.AddSiloApi(configuration, faceSearch);
        if (!string.IsNullOrWhiteSpace(configuration["Sqs:SightingsQueueUrl"]))
        {
            builder.Services.AddSqsSightingReceiver(configuration);
            builder.Services.AddSingleton<SqsSightingIngest>();
            builder.Services.AddHostedService(sp => sp.GetRequiredService<SqsSightingIngest>());
        }

        builder.AddNextGenCrmOrleans(orleans);
        // After UseOrleans: on SIGTERM readiness goes false and HTTP is served for the drain delay before Orleans leaves.
        builder.Services.AddShutdownDrain(configuration);
        return builder;
    }

    public static IServiceCollection AddSiloApi(this IServiceCollection services, IConfiguration configuration, FaceSearchSelection faceSearch)
    {
        services.AddSingleton<Erasure.PersonErasure>();
        services.AddOptions<IngestOptions>().Bind(configuration.GetSection(IngestOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton(faceSearch);
        services.AddSingleton(BranchCrops.For(configuration, faceSearch));
        services.AddSingleton<SightingValidator>();
        services.AddSingleton<SightingIngest>();
        services.AddProblemDetails();
        services.AddOpenApi(o => o.AddBearerScheme());
        services.AddApiSecurity(configuration);
        services.AddHealthChecks().AddCheck<ClusterReadyCheck>("orleans", tags: [ServiceDefaults.ServiceDefaultsExtensions.ReadyTag]);
        services.AddDashboard(configuration);
        services.ConfigureHttpJsonOptions(o =>
        {
            o.SerializerOptions.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.KebabCaseLower));
            o.SerializerOptions.DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull;
        });
        return services;
    }

    public static WebApplication MapNextGenCrmApi(this WebApplication app)
    {
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseAuthentication();
        app.UseRateLimiter();
        app.UseAuthorization();
        app.MapOpenApi().AllowAnonymous();
        app.MapSightingsApi();
        app.MapBranchesApi();
        app.MapVisitorsApi();
        app.MapCustomersApi();
        app.MapAuditApi();
        app.MapSiloTelemetry();
        app.MapBranchEventsApi();
        app.MapDashboard();
        return app;
    }
}
