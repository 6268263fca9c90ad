using System.Globalization;
using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Orleans.Configuration;

namespace NextGenCrm.Tests.Infrastructure;

/// <summary>
/// Several production silos (<see cref="SiloFactory"/>) in this process, one cluster: Orleans' Development clustering
/// with the first silo as the primary, as a local cluster of <c>dotnet run --project silo</c> processes would be joined.
/// The first silo serves the tests' HTTP; grains are placed across all of them.
/// </summary>
public sealed class SiloCluster : IAsyncDisposable
{
    private readonly List<SiloFactory> _silos = [];

    public SiloFactory First => _silos[0];

    public IReadOnlyList<SiloFactory> Silos => _silos;

    public IGrainFactory Grains => First.Grains;

    /// <summary>Starts <paramref name="count"/> silos, each with <paramref name="options"/> and the primary's endpoint.</summary>
    public static async Task<SiloCluster> StartAsync(int count, SiloFactoryOptions options)
    {
        var cluster = new SiloCluster();
        cluster._silos.Add(new SiloFactory(options).Start());
        var primary = cluster.First.Services.GetRequiredService<IOptions<EndpointOptions>>().Value.SiloPort;
        var settings = new Dictionary<string, string?>(options.Settings);
        // The primary as Orleans:Clustering:PrimarySiloEndPoint would name it; set on the options, because the factory hands
        // Program every parent key too, and an "Orleans:Clustering" of its own is a key of earlier builds the silo refuses.
        void Join(IServiceCollection services)
        {
            options.Services?.Invoke(services);
            services.Configure<DevelopmentClusterMembershipOptions>(o => o.PrimarySiloEndpoint = new IPEndPoint(IPAddress.Loopback, primary));
        }
        for (var i = 1; i < count; i++)
        {
            if (options.Settings.TryGetValue("Audit:Folder", out var audit))
            {
                // A folder per silo, as each pod writes its own.
                settings["Audit:Folder"] = $"{audit}-{i.ToString(CultureInfo.InvariantCulture)}";
            }
            cluster._silos.Add(new SiloFactory(new SiloFactoryOptions { Settings = settings, Services = Join, LogLevel = options.LogLevel }).Start());
        }
        // Every silo sees every other active before a test places grains.
        await Sightings.EventuallyAsync(async () =>
        {
            var hosts = await cluster.Grains.GetGrain<IManagementGrain>(0).GetHosts(onlyActive: true);
            return hosts.Count == count;
        }, $"{count} silos are active");
        return cluster;
    }

    public async ValueTask DisposeAsync()
    {
        for (var i = _silos.Count - 1; i >= 0; i--)
        {
            await _silos[i].DisposeAsync();
        }
    }
}
