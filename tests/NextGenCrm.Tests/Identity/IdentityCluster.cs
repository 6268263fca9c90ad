using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using NextGenCrm.Integrations.Embedded;
using NextGenCrm.Ports;
using NextGenCrm.Silo.Configuration;
using NextGenCrm.Silo.Extensions;
using NextGenCrm.Tests.Infrastructure;
using Orleans.TestingHost;

namespace NextGenCrm.Tests.Identity;

/// <summary>
/// The world of the identity scenarios: a face search that behaves like Rekognition at its slow end (every
/// IndexFaces stores a new face, 150–250 ms a call, one answer in ten lost after the work was done), and an
/// Appian and SNS that keep every call, so a second task or SMS is counted, not deduplicated away.
/// </summary>
public static class IdentityWorld
{
    public static readonly SimulatedFaceSearch FaceSearch = new(new SimulatedFaceSearchOptions
    {
        MinLatency = TimeSpan.FromMilliseconds(150),
        MaxLatency = TimeSpan.FromMilliseconds(250),
        LostAnswerRate = 0.1,
    });
    public static readonly InMemoryCustomerDirectory Directory = new();
    public static readonly InMemoryVisitHistory History = new();
    public static readonly EveryCall Calls = new();
    public static readonly InMemoryErasureTombstones Tombstones = new(TimeProvider.System);
    public static readonly LocalFolderImageStore Images = new(
        Options.Create(new LocalImageOptions { Folder = Path.Combine(Path.GetTempPath(), "nextgencrm-tests", Guid.NewGuid().ToString("N")) }),
        NullLogger<LocalFolderImageStore>.Instance);
}

/// <summary>Every task and alert call, as a non-deduplicating Appian and SNS would act on them.</summary>
public sealed class EveryCall : ITaskAssigner, IAlertPublisher
{
    private readonly ConcurrentQueue<TaskAssignment> _tasks = new();
    private readonly ConcurrentQueue<NewVisitorAlert> _alerts = new();

    public IReadOnlyList<TaskAssignment> TasksAt(string branchId) => [.. _tasks.Where(t => t.BranchId == branchId)];
    public IReadOnlyList<NewVisitorAlert> AlertsAt(string branchId) => [.. _alerts.Where(a => a.BranchId == branchId)];

    public Task<TaskReceipt> AssignAsync(TaskAssignment assignment, CancellationToken cancellationToken)
    {
        _tasks.Enqueue(assignment);
        return Task.FromResult(new TaskReceipt(assignment.VisitId));
    }

    public Task PublishAsync(NewVisitorAlert alert, CancellationToken cancellationToken)
    {
        _alerts.Enqueue(alert);
        return Task.CompletedTask;
    }
}

/// <summary>A cluster of <c>silos</c> production silos (<see cref="SiloCluster"/>) on <see cref="IdentityWorld"/>, the first serving HTTP.</summary>
public abstract class IdentityCluster(int silos) : IAsyncLifetime
{
    private SiloCluster _cluster = null!;

    /// <summary>A client with an admin token.</summary>
    public HttpClient Http { get; private set; } = null!;
    public IGrainFactory Grains => _cluster.Grains;

    public async ValueTask InitializeAsync()
    {
        _cluster = await SiloCluster.StartAsync(silos, new SiloFactoryOptions
        {
            Settings = WorldSilo.ScenarioSettings(),
            Services = services =>
            {
                AddWorld(services);
                services.AddSingleton<IFaceSearch>(IdentityWorld.FaceSearch);
                services.AddSingleton<IFaceCollectionUpkeep>(IdentityWorld.FaceSearch);
            },
        });
        Http = _cluster.First.Client(TestTokens.Admin());
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await _cluster.DisposeAsync();
        GC.SuppressFinalize(this);
    }

    /// <summary>Every port of <see cref="IdentityWorld"/> but the face search, on the real clock.</summary>
    public static void AddWorld(IServiceCollection services)
    {
        services.AddSingleton<ICustomerDirectory>(IdentityWorld.Directory);
        services.AddSingleton<IVisitHistory>(IdentityWorld.History);
        services.AddSingleton<ITaskAssigner>(IdentityWorld.Calls);
        services.AddSingleton<IAlertPublisher>(IdentityWorld.Calls);
        services.AddSingleton<IImageStore>(IdentityWorld.Images);
        services.AddSingleton<IErasureTombstones>(IdentityWorld.Tombstones);
    }
}

public sealed class OneSiloIdentityCluster() : IdentityCluster(1);

public sealed class ThreeSiloIdentityCluster() : IdentityCluster(3);
