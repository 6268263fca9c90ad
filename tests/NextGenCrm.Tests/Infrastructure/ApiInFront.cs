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
        TestCluster cluster, TimeProvider clock, IFaceSearch faceSearch, ICustomerDirectory directory, IImageStore images)
    {
        var web = WebApplication.CreateBuilder();
        web.WebHost.UseTestServer();
        web.Services.AddSingleton<IGrainFactory>(cluster.Client);
        web.Services.AddKeyedSingleton(GrainClock.Key, clock);
        web.Services.AddSingleton(faceSearch);
        web.Services.AddSingleton(directory);
        web.Services.AddSingleton(images);
        web.Services.AddSiloApi(web.Configuration, new FaceSearchSelection { Provider = FaceSearchProvider.Simulated });
        var api = web.Build();
        api.MapNextGenCrmApi();
        await api.StartAsync();
        return api;
    }
}
