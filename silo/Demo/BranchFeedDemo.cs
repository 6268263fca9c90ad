using Microsoft.Extensions.Configuration.EnvironmentVariables;
using Microsoft.Extensions.Configuration.Memory;
using NextGenCrm.ServiceDefaults;
using NextGenCrm.Silo.Configuration;

namespace NextGenCrm.Silo.Demo;

public static class BranchFeedDemo
{
    /// <summary>Adds the simulated feed and the live console; its defaults sit below environment and command line.</summary>
    public static WebApplicationBuilder AddBranchFeedDemo(this WebApplicationBuilder builder)
    {
        var sources = builder.Configuration.Sources;
        // Above appsettings.json, below the environment and the command line: the last environment source, not the
        // first (the DOTNET_/ASPNETCORE_ ones come before appsettings.json, whose 15-minute timeout then won).
        var firstOverride = sources.ToList().FindLastIndex(s => s is EnvironmentVariablesConfigurationSource);
        var demoDefaults = new MemoryConfigurationSource { InitialData = DemoOptions.Defaults() };
        sources.Insert(firstOverride < 0 ? sources.Count : firstOverride, demoDefaults);

        builder.Services.AddValidatedOptions<DemoOptions, DemoOptionsValidator>(DemoOptions.SectionName);
        builder.Services.AddValidatedOptions<DemoCustomersOptions, DemoCustomersOptionsValidator>(DemoCustomersOptions.SectionName);
        builder.Services.AddSingleton<BranchFeedSimulation>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<BranchFeedSimulation>());
        builder.Services.AddHostedService<OccupancyConsole>();
        return builder;
    }
}
