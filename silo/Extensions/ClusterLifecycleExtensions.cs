using Microsoft.Extensions.Diagnostics.HealthChecks;
using NextGenCrm.Silo.Configuration;
using Orleans.Configuration;

namespace NextGenCrm.Silo.Extensions;

/// <summary>The "Shutdown" section: how a silo leaves when it is told to (SIGTERM from Kubernetes or systemd, Ctrl+C).</summary>
public sealed class ShutdownOptions
{
    public const string Section = "Shutdown";

    /// <summary>
    /// From the signal until the HTTP port closes: <c>/health/ready</c> answers 503 and requests are still served,
    /// so a load balancer (a Kubernetes Service, an ingress) stops sending here before anything is refused.
    /// Zero (the default) for a silo with nothing in front of it.
    /// </summary>
    public TimeSpan DrainDelay { get; set; } = TimeSpan.Zero;

    /// <summary>What the graceful stop may take after the drain: requests in flight, grains deactivating and saving state.</summary>
    public TimeSpan StopTimeout { get; set; } = TimeSpan.FromSeconds(30);
}

/// <summary>The "Kubernetes" section: whether the silo runs in a pod (deploy/kubernetes sets it; nothing guesses).</summary>
public sealed class KubernetesHostingSelection
{
    public const string Section = "Kubernetes";

    /// <summary>Orleans' Kubernetes hosting: silo named for its pod, pod labels, deleted pods' silos declared dead.</summary>
    public bool Enabled { get; set; }

    /// <summary>The variables a pod must pass (downward API); Orleans' Kubernetes hosting reads them.</summary>
    public static readonly string[] PodVariables = ["POD_NAME", "POD_NAMESPACE", "POD_IP", "ORLEANS_SERVICE_ID", "ORLEANS_CLUSTER_ID"];
}

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
        var shutdown = ConfigurationReader.Bind<ShutdownOptions>(configuration, ShutdownOptions.Section);
        var errors = new List<string>();
        if (shutdown.DrainDelay < TimeSpan.Zero) errors.Add("Shutdown:DrainDelay must not be negative.");
        if (shutdown.StopTimeout <= TimeSpan.Zero) errors.Add("Shutdown:StopTimeout must be positive.");
        ConfigurationReader.ThrowIfAny(errors);

        services.AddSingleton(shutdown);
        services.AddSingleton<ShutdownDrain>();
        services.AddHostedService(sp => sp.GetRequiredService<ShutdownDrain>());
        services.AddHealthChecks().Add(new HealthCheckRegistration("shutdown", sp => sp.GetRequiredService<ShutdownDrain>(), HealthStatus.Unhealthy, ["ready"]));
        services.Configure<HostOptions>(o => o.ShutdownTimeout = shutdown.DrainDelay + shutdown.StopTimeout);
        return services;
    }

    /// <summary>Membership tuning (how soon a dead silo is declared dead) and, when chosen, Orleans' Kubernetes hosting.</summary>
    public static ISiloBuilder UseNextGenCrmPlatform(this ISiloBuilder silo, IConfiguration configuration, OrleansSettings orleans)
    {
        silo.Configure<ClusterMembershipOptions>(configuration.GetSection(MembershipSection));
        var kubernetes = ConfigurationReader.Bind<KubernetesHostingSelection>(configuration, KubernetesHostingSelection.Section);
        if (!kubernetes.Enabled)
        {
            return silo;
        }
        var errors = new List<string>();
        if (orleans.Clustering == OrleansSettings.Development)
        {
            errors.Add($"Kubernetes:Enabled needs a shared membership table ({OrleansSettings.ClusteringProviderKey}={OrleansSettings.DynamoDB}); Development clustering is one silo.");
        }
        var configuredClusterId = configuration["Orleans:ClusterId"];
        var configuredServiceId = configuration["Orleans:ServiceId"];
        var missing = KubernetesHostingSelection.PodVariables.Where(v => string.IsNullOrEmpty(Environment.GetEnvironmentVariable(v))).ToList();
        if (missing.Count > 0)
        {
            errors.Add($"Kubernetes:Enabled needs the pod's environment variables {string.Join(", ", missing)} (deploy/kubernetes/silo.yaml passes them).");
        }
        // Orleans' Kubernetes hosting takes the ids from these variables: they must name the cluster the silo was configured for.
        if (Environment.GetEnvironmentVariable("ORLEANS_CLUSTER_ID") is { Length: > 0 } clusterId && clusterId != configuredClusterId)
        {
            errors.Add($"ORLEANS_CLUSTER_ID '{clusterId}' differs from Orleans:ClusterId '{configuredClusterId}'.");
        }
        if (Environment.GetEnvironmentVariable("ORLEANS_SERVICE_ID") is { Length: > 0 } serviceId && serviceId != configuredServiceId)
        {
            errors.Add($"ORLEANS_SERVICE_ID '{serviceId}' differs from Orleans:ServiceId '{configuredServiceId}'.");
        }
        ConfigurationReader.ThrowIfAny(errors);
        silo.UseKubernetesHosting();
        return silo;
    }
}

/// <summary>Turns readiness off at the stop signal and holds the stop for the drain delay while HTTP is still served.</summary>
public sealed partial class ShutdownDrain(ShutdownOptions options, ILogger<ShutdownDrain> logger) : IHostedLifecycleService, IHealthCheck
{
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
