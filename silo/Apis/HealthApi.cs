using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace NextGenCrm.Silo.Apis;

/// <summary>Ready when a grain call round-trips: the silo has joined the cluster and activates grains.</summary>
public sealed class ClusterReadyCheck(IGrainFactory grains) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            await grains.GetGrain<IBranchIndexGrain>(IBranchIndexGrain.Key).GetBranches().WaitAsync(TimeSpan.FromSeconds(5), cancellationToken);
            return HealthCheckResult.Healthy();
        }
        catch (Exception failure) when (failure is not OperationCanceledException)
        {
            return HealthCheckResult.Unhealthy("The silo does not answer grain calls yet.", failure);
        }
    }
}
