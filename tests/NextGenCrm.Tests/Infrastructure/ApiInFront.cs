using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using NextGenCrm.Ports;
using NextGenCrm.Silo.Configuration;
using NextGenCrm.Silo.Extensions;
using Orleans.TestingHost;

namespace NextGenCrm.Tests.Infrastructure;

/// <summary>The silo's HTTP API, in a test server, in front of a test cluster and the fakes its silos use.</summary>
public static class ApiInFront
{
    public static async Task<WebApplication> StartAsync(
        TestCluster cluster, TimeProvider clock, IFaceSearch faceSearch, ICustomerDirectory directory, IImageStore images, IErasureTombstones tombstones, IAuditLog? audit = null,
        IReadOnlyDictionary<string, string?>? settings = null, FaceSearchSelection? selection = null)
    {
        var web = WebApplication.CreateBuilder();
        web.Configuration["Auth:SigningKeyFile"] = TestTokens.KeyFile;
        web.Configuration["Audit:Folder"] = Path.Combine(Path.GetDirectoryName(TestTokens.KeyFile)!, $"audit-{Guid.NewGuid():N}");
        // Scenarios share one admin subject across many tests at once: limits high enough never to matter there.
        web.Configuration["RateLimits:SightingsPerSecond"] = "1000000";
        web.Configuration["RateLimits:EnrolmentPerSecond"] = "1000000";
        web.Configuration["RateLimits:ReadsPerSecond"] = "1000000";
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            web.Configuration[key] = value;
        }
        web.WebHost.UseTestServer();
        web.Services.AddSingleton<IGrainFactory>(cluster.Client);
        web.Services.AddKeyedSingleton(GrainClock.Key, clock);
        web.Services.AddSingleton(faceSearch);
        web.Services.AddSingleton(directory);
        web.Services.AddSingleton(images);
        web.Services.AddSingleton(tombstones);
        if (audit is not null)
        {
            web.Services.AddSingleton(audit);
        }
        web.Services.AddSiloApi(web.Configuration, selection ?? new FaceSearchSelection { Provider = FaceSearchProvider.Simulated });
        var api = web.Build();
        api.MapNextGenCrmApi();
        await api.StartAsync();
        return api;
    }
}

/// <summary>A test cluster of <paramref name="silos"/> silos configured by <typeparamref name="TSilo"/>, and the HTTP API in front of it.</summary>
public abstract class ClusterWithApi<TSilo>(short silos) : IAsyncLifetime
    where TSilo : ISiloConfigurator, new()
{
    public TestCluster Cluster { get; private set; } = null!;
    public WebApplication Api { get; private set; } = null!;
    /// <summary>A client with an admin token; <see cref="ClientAs"/> makes one for another role and branches.</summary>
    public HttpClient Http { get; private set; } = null!;
    public IGrainFactory Grains => Cluster.Client;

    /// <summary>Starts the API in front of the deployed cluster, on the fakes its silos use.</summary>
    protected abstract Task<WebApplication> StartApiAsync(TestCluster cluster);

    public async ValueTask InitializeAsync()
    {
        var builder = new TestClusterBuilder(silos);
        builder.AddSiloBuilderConfigurator<TSilo>();
        Cluster = builder.Build();
        await Cluster.DeployAsync();
        Api = await StartApiAsync(Cluster);
        Http = Api.GetTestClient().WithToken(TestTokens.Admin());
    }

    /// <summary>A client whose token holds <paramref name="role"/> and reaches <paramref name="branches"/>; dispose it.</summary>
    public HttpClient ClientAs(string role, params string[] branches) => Api.GetTestClient().WithToken(TestTokens.For(role, branches));

    /// <summary>A client without a token; dispose it.</summary>
    public HttpClient Anonymous() => Api.GetTestClient();

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await Api.DisposeAsync();
        await Cluster.StopAllSilosAsync();
        await Cluster.DisposeAsync();
        GC.SuppressFinalize(this);
    }
}
