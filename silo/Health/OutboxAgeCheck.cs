using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace NextGenCrm.Silo.Health;

/// <summary>
/// Degraded when an effect (task, SMS, history record) has been owed on this silo for longer than
/// <c>Health:MaxOutboxAge</c>. Degraded, not unhealthy: the usual cause is Appian or SNS being down or refusing us,
/// and taking the silos out of service would stop sightings too without delivering anything sooner.
/// </summary>
public sealed class OutboxAgeCheck(VisitMetrics metrics, TimeSpan bound) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var (backlog, oldest) = metrics.Outbox();
        var data = new Dictionary<string, object> { ["backlog"] = backlog, ["oldestAgeSeconds"] = Math.Round(oldest.TotalSeconds, 1) };
        var text = $"{backlog} effects owed, oldest {oldest.TotalSeconds:0} s (bound {bound.TotalSeconds:0} s)";
        return Task.FromResult(oldest <= bound ? HealthCheckResult.Healthy(text, data) : HealthCheckResult.Degraded(text, data: data));
    }
}
