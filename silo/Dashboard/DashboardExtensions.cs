using NextGenCrm.ServiceDefaults;

namespace NextGenCrm.Silo.Dashboard;

public static class DashboardExtensions
{
    /// <summary>The staff page's live feeds (shared by this silo's browsers) and their options.</summary>
    public static IServiceCollection AddDashboard(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddValidatedOptions<DashboardOptions, DashboardOptionsValidator>(DashboardOptions.SectionName);
        services.AddSingleton<BranchFeeds>();
        services.AddHttpClient(DashboardOidc.HttpClientName, client => client.Timeout = TimeSpan.FromSeconds(15));
        return services;
    }
}
