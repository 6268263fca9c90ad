using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace NextGenCrm.Silo.Health;

/// <summary>Ready only while this silo is Active in its own membership view and the cluster has an active silo.</summary>
public sealed class MembershipCheck(IClusterMembershipService membership, ILocalSiloDetails self) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var snapshot = membership.CurrentSnapshot;
        var active = snapshot.Members.Values.Count(m => m.Status == SiloStatus.Active);
        var mine = snapshot.GetSiloStatus(self.SiloAddress);
        var data = new Dictionary<string, object> { ["activeSilos"] = active, ["thisSilo"] = mine.ToString() };
        return Task.FromResult(mine == SiloStatus.Active && active >= 1
            ? HealthCheckResult.Healthy($"this silo active, {active} active in the cluster", data)
            : HealthCheckResult.Unhealthy($"this silo {mine}, {active} active in the cluster", data: data));
    }
}
