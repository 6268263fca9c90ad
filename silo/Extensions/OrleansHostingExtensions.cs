using System.Net;
using NextGenCrm.Silo.Configuration;
using Orleans.Configuration;

namespace NextGenCrm.Silo.Extensions;

public static class OrleansHostingExtensions
{
    /// <summary>
    /// The silo, configured by Orleans from its own keys (<see cref="OrleansSettings"/>): clustering, the
    /// "visits" grain storage and reminders are the providers their <c>ProviderType</c> names. Only what the
    /// keys cannot say is set here.
    /// </summary>
    public static WebApplicationBuilder AddNextGenCrmOrleans(this WebApplicationBuilder builder, OrleansSettings settings)
    {
        try
        {
            builder.UseOrleans(silo =>
            {
                silo.AddSiloTelemetry(builder.Configuration).UseNextGenCrmPlatform(builder.Configuration, settings);
                // A pod's own address is advertised; the silo then listens on every interface of the pod.
                silo.Services.PostConfigure<EndpointOptions>(o =>
                {
                    if (o.AdvertisedIPAddress is { } advertised && !IPAddress.IsLoopback(advertised))
                    {
                        o.SiloListeningEndpoint ??= new IPEndPoint(IPAddress.Any, o.SiloPort);
                        o.GatewayListeningEndpoint ??= new IPEndPoint(IPAddress.Any, o.GatewayPort);
                    }
                });
                if (settings.Clustering == OrleansSettings.Development)
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
            throw new InvalidSettingException($"{unknown.Message} ({OrleansSettings.ClusteringProviderKey}, {OrleansSettings.VisitsStorageProviderKey}, {OrleansSettings.RemindersProviderKey})");
        }
        return builder;
    }
}
