using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using NextGenCrm.ServiceDefaults;
using NextGenCrm.Silo.Configuration;
using Orleans.Configuration;

namespace NextGenCrm.Silo.Extensions;

public static class ClusterLifecycleExtensions
{
    /// <summary>Orleans' membership settings as they are named in Orleans (ClusterMembershipOptions), e.g. Orleans:Membership:ProbeTimeout.</summary>
    public const string MembershipSection = "Orleans:Membership";

    /// <summary>
    /// Readiness false first, then a graceful stop: on SIGTERM the silo keeps serving HTTP for
    /// <see cref="ShutdownOptions.DrainDelay"/> while saying it is not ready, then Kestrel and Orleans stop.
    /// Call after AddOrleans: services stop in reverse order, so the drain runs before Orleans begins to leave.
    /// </summary>
    public static IServiceCollection AddShutdownDrain(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddValidatedOptions<ShutdownOptions, ShutdownOptionsValidator>(ShutdownOptions.SectionName);
        services.AddSingleton<ShutdownDrain>();
        services.AddHostedService(sp => sp.GetRequiredService<ShutdownDrain>());
        services.AddHealthChecks().Add(new HealthCheckRegistration("shutdown", sp => sp.GetRequiredService<ShutdownDrain>(), HealthStatus.Unhealthy, ["ready"]));
        services.AddOptions<HostOptions>().Configure<IOptions<ShutdownOptions>>((host, shutdown) =>
            host.ShutdownTimeout = shutdown.Value.DrainDelay + shutdown.Value.StopTimeout);
        return services;
    }

    /// <summary>Membership tuning (how soon a dead silo is declared dead) and, when chosen, Orleans' Kubernetes hosting.</summary>
    public static ISiloBuilder UseNextGenCrmPlatform(this ISiloBuilder silo, IConfiguration configuration, SiloAdapters adapters)
    {
        silo.Configure<ClusterMembershipOptions>(configuration.GetSection(MembershipSection));
        if (!adapters.Kubernetes)
        {
            return silo;
        }
        var errors = new List<string>();
        var configuredClusterId = configuration["Orleans:ClusterId"];
        var configuredServiceId = configuration["Orleans:ServiceId"];
        // Orleans' Kubernetes hosting takes the ids from these variables: they must name the cluster the silo was configured for.
        if (Environment.GetEnvironmentVariable("ORLEANS_CLUSTER_ID") is { Length: > 0 } clusterId && clusterId != configuredClusterId)
        {
            errors.Add($"ORLEANS_CLUSTER_ID '{clusterId}' differs from Orleans:ClusterId '{configuredClusterId}'.");
        }
        if (Environment.GetEnvironmentVariable("ORLEANS_SERVICE_ID") is { Length: > 0 } serviceId && serviceId != configuredServiceId)
        {
            errors.Add($"ORLEANS_SERVICE_ID '{serviceId}' differs from Orleans:ServiceId '{configuredServiceId}'.");
        }
        ValidatedOptions.ThrowIfAny<KubernetesOptions>(KubernetesOptions.SectionName, errors);
        silo.UseKubernetesHosting();
        return silo;
    }
}

/// <summary>Turns readiness off at the stop signal and holds the stop for the drain delay while HTTP is still served.</summary>
public sealed partial class ShutdownDrain(IOptions<ShutdownOptions> shutdown, ILogger<ShutdownDrain> logger) : IHostedLifecycleService, IHealthCheck
{
    private readonly ShutdownOptions options = shutdown.Value;
    private volatile bool _draining;

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(_draining ? HealthCheckResult.Unhealthy("The silo is shutting down.") : HealthCheckResult.Healthy());

    public async Task StoppingAsync(CancellationToken cancellationToken)
    {
        _draining = true;
        LogDraining(options.DrainDelay);
        try
        {
            await Task.Delay(options.DrainDelay, cancellationToken);
        }
        catch (OperationCanceledException)
        {
            // The shutdown timeout ran out first: stop now.
        }
    }

    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Warning, Message = "Stopping: not ready from now on, serving HTTP for {DrainDelay} more, then a graceful stop")]
    private partial void LogDraining(TimeSpan drainDelay);
}
