using System.Net;
using Microsoft.Extensions.Configuration.Memory;
using Microsoft.Extensions.Options;
using NextGenCrm.Silo.Configuration;
using Orleans.Configuration;

namespace NextGenCrm.Silo.Extensions;

public static class OrleansHostingExtensions
{
    /// <summary>
    /// The silo, configured by Orleans from its own keys (<see cref="OrleansProvidersOptions"/>): clustering, the
    /// "visits" grain storage and reminders are the providers their <c>ProviderType</c> names. Only what the
    /// keys cannot say is set here.
    /// </summary>
    public static WebApplicationBuilder AddNextGenCrmOrleans(this WebApplicationBuilder builder, SiloAdapters adapters)
    {
        try
        {
            builder.UseOrleans(silo =>
            {
                silo.AddSiloTelemetry(builder.Configuration).UseNextGenCrmPlatform(builder.Configuration, adapters);
                // A pod's own address is advertised; the silo then listens on every interface of the pod.
                silo.Services.PostConfigure<EndpointOptions>(o =>
                {
                    if (o.AdvertisedIPAddress is { } advertised && !IPAddress.IsLoopback(advertised))
                    {
                        o.SiloListeningEndpoint ??= new IPEndPoint(IPAddress.Any, o.SiloPort);
                        o.GatewayListeningEndpoint ??= new IPEndPoint(IPAddress.Any, o.GatewayPort);
                    }
                });
                if (adapters.Clustering == OrleansProvidersOptions.Development)
                {
                    // One silo: every grain's address is in its own directory, so the directory's lookup cache saves little,
                    // while its default size (a million entries) kept an entry for every visitor ever seen (the soak, bench/README.md).
                    silo.Configure<GrainDirectoryOptions>(o => o.CacheSize = 1_000);
                }
            });
        }
        catch (InvalidOperationException unknown) when (unknown.Message.StartsWith("Could not find", StringComparison.Ordinal))
        {
            // Orleans names the provider it lacks, not the key that asked for it.
            throw new OptionsValidationException(OrleansProvidersOptions.SectionName, typeof(OrleansProvidersOptions),
                [$"{unknown.Message} ({OrleansProvidersOptions.ClusteringProviderKey}, {OrleansProvidersOptions.VisitsStorageProviderKey}, {OrleansProvidersOptions.RemindersProviderKey})"]);
        }
        return builder;
    }

    /// <summary>
    /// The embedded mode as configuration beneath every other source: one silo on loopback (Orleans' Development
    /// clustering), grain state and reminders in the data folder's SQLite file (in memory with <c>--ephemeral</c>).
    /// </summary>
    public static void AddEmbeddedDefaults(IConfigurationBuilder configuration, SiloAdapters adapters)
    {
        var local = adapters.Local;
        var siloPort = ((IConfiguration)configuration)[$"{OrleansProvidersOptions.SectionName}:Endpoints:SiloPort"] is { Length: > 0 } port ? port.Trim() : "11111";
        var defaults = new Dictionary<string, string?>
        {
            ["Orleans:ClusterId"] = "dev",
            ["Orleans:ServiceId"] = "nextgencrm",
            ["Orleans:Endpoints:AdvertisedIPAddress"] = "127.0.0.1",
            ["Orleans:Endpoints:SiloPort"] = "11111",
            ["Orleans:Endpoints:GatewayPort"] = "30000",
            [OrleansProvidersOptions.ClusteringProviderKey] = OrleansProvidersOptions.Development,
            ["Orleans:Clustering:PrimarySiloEndPoint"] = $"127.0.0.1:{siloPort}",
            [OrleansProvidersOptions.VisitsStorageProviderKey] = local.Ephemeral ? OrleansProvidersOptions.Memory : OrleansProvidersOptions.Sqlite,
            [OrleansProvidersOptions.RemindersProviderKey] = local.Ephemeral ? OrleansProvidersOptions.Memory : OrleansProvidersOptions.Sqlite,
        };
        if (local.InUse)
        {
            defaults[$"Orleans:GrainStorage:{StorageNames.Visits}:DatabasePath"] = local.OrleansDatabase;
            defaults["Orleans:Reminders:DatabasePath"] = local.OrleansDatabase;
        }
        configuration.Sources.Insert(0, new MemoryConfigurationSource { InitialData = defaults });
    }
}
