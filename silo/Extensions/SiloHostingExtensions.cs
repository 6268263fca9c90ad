using NextGenCrm.Silo.Dashboard;
using Microsoft.Extensions.DependencyInjection.Extensions;
using System.Text.Json;
using System.Text.Json.Serialization;
using NextGenCrm.Integrations.Aws;
using NextGenCrm.Silo.Apis;
using NextGenCrm.Silo.Apis.Http;
using NextGenCrm.Silo.Configuration;
using NextGenCrm.Silo.Ingest;
using NextGenCrm.Silo.Security;
using NextGenCrm.ServiceDefaults;
using NextGenCrm.Visits;

namespace NextGenCrm.Silo.Extensions;

public static class SiloHostingExtensions
{
    /// <summary>The whole silo: configuration checked, one adapter chosen per port (<see cref="SiloAdapters"/>), Orleans, the HTTP API.</summary>
    public static WebApplicationBuilder AddNextGenCrmSilo(this WebApplicationBuilder builder)
    {
        var configuration = builder.Configuration;
        var adapters = SiloAdapters.Choose(configuration);
        var aws = configuration.GetValidatedOptions<AwsOptions, AwsOptionsValidator>(AwsOptions.SectionName);
        OrleansHostingExtensions.AddEmbeddedDefaults(builder.Configuration, adapters);

        var services = builder.Services;
        builder.AddSiloTelemetry(adapters, aws);
        services.AddSingleton(adapters.Local);
        var faceSearch = services.AddFaceSearch(configuration, adapters);
        services.AddCustomerRecords(configuration, adapters);
        services.AddImageStore(configuration, adapters);
        services.AddDeliveries(configuration, adapters);
        services.AddAuditLog(configuration, adapters);
        // After the adapters: its in-memory erasure fence is only a default for hosts that compose the grains alone.
        services.AddVisitTracking(configuration);
        if (adapters.Storage == OrleansProvidersOptions.Memory)
        {
            // In-memory grain state ends with the silo: nothing to save while it shuts down.
            services.PostConfigure<VisitPolicy>(policy => policy.SaveOnShutdown = false);
        }
        services.AddSiloApi(configuration, faceSearch);
        if (adapters.SqsIngest)
        {
            services.AddSqsSightingReceiver(configuration);
            services.AddSingleton<SqsSightingIngest>();
            services.AddHostedService(sp => sp.GetRequiredService<SqsSightingIngest>());
        }

        builder.AddNextGenCrmOrleans(adapters);
        // After UseOrleans: on SIGTERM readiness goes false and HTTP is served for the drain delay before Orleans leaves.
        services.AddShutdownDrain(configuration);
        return builder;
    }

    public static IServiceCollection AddSiloApi(this IServiceCollection services, IConfiguration configuration, FaceSearchSelection faceSearch)
    {
        services.AddSingleton<Erasure.PersonErasure>();
        services.AddValidatedOptions<IngestOptions, IngestOptionsValidator>(IngestOptions.SectionName);
        services.AddSingleton(faceSearch);
        services.AddSingleton(sp => BranchCrops.For(sp, faceSearch));
        services.AddSingleton<SightingValidator>();
        services.AddSingleton<SightingIngest>();
        services.AddSingleton(sp => new BranchHome(
            sp.GetRequiredService<IGrainFactory>(), sp.GetRequiredService<ILocalSiloDetails>(), sp.GetRequiredService<IClusterMembershipService>(), TimeProvider.System));
        services.AddApiHttp();
        services.AddOpenApi(o => o.AddBearerScheme());
        services.AddApiSecurity(configuration);
        services.AddHealthChecks().AddCheck<ClusterReadyCheck>("orleans", tags: [ServiceDefaults.ServiceDefaultsExtensions.ReadyTag]);
        services.AddDashboard(configuration);
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
        app.MapApiEndpoints();
        app.MapSiloTelemetry();
        app.MapBranchEventsApi();
        app.MapDashboard();
        return app;
    }
}
