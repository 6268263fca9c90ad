using System.Collections.Concurrent;
using Amazon.Runtime;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using NextGenCrm.Integrations.Appian;
using NextGenCrm.Integrations.Aws;
using NextGenCrm.Integrations.Embedded;
using NextGenCrm.Ports;
using NextGenCrm.Silo.Extensions;
using NextGenCrm.TestSupport;
using Orleans.TestingHost;

namespace NextGenCrm.Integrations.Tests.Scenarios;

/// <summary>
/// A two-silo cluster wired as production wires it for AWS and Appian: the real <see cref="RekognitionFaceSearch"/>
/// against <see cref="FakeRekognition"/> and the real <see cref="AppianTaskAssigner"/> against <see cref="FakeAppian"/>,
/// with the embedded history, alerts, directory and local image store. The visit clock is real time.
/// Each scenario class derives its own cluster with its own settings.
/// </summary>
public abstract class AdapterCluster : IAsyncLifetime
{
    private const string WorldKey = "NextGenCrmTests:AdapterWorld";

    // The silos are built by the TestCluster from a type, not an instance: they find their world here by key.
    private static readonly ConcurrentDictionary<string, AdapterWorld> Worlds = new(StringComparer.Ordinal);

    private readonly string _worldId = Guid.NewGuid().ToString("N");
    private ServiceProvider? _awsServices;
    private HttpClient? _appianHttp;
    private readonly string _imageFolder = Path.Combine(Path.GetTempPath(), "nextgencrm-adapter-scenarios", Guid.NewGuid().ToString("N"));

    public TestCluster Cluster { get; private set; } = null!;
    public FakeRekognition Rekognition { get; private set; } = null!;
    public FakeAppian Appian { get; private set; } = null!;
    public InMemoryVisitHistory History { get; } = new();
    public RecordingAlertPublisher Alerts { get; } = new(NullLogger<RecordingAlertPublisher>.Instance);
    public InMemoryCustomerDirectory Directory { get; } = new();
    public InMemoryErasureTombstones Tombstones { get; } = new(TimeProvider.System);

    /// <summary>The stores of records the silos use: the in-memory ones above unless a scenario brings its own.</summary>
    public IVisitHistory VisitHistory { get; private set; } = null!;
    public ICustomerDirectory CustomerDirectory { get; private set; } = null!;
    public IErasureTombstones ErasureTombstones { get; private set; } = null!;

    /// <summary>The silos' face search (the real adapter against the fake Rekognition), for enrolling customers.</summary>
    public RekognitionFaceSearch FaceSearch { get; private set; } = null!;

    public IGrainFactory Grains => Cluster.Client;

    /// <summary>Calls per second the face search may send to Rekognition (one client, shared by both silos).</summary>
    protected abstract double RekognitionRequestsPerSecond { get; }

    /// <summary>Attempts Appian gets within one delivery before the outbox takes over the retrying.</summary>
    protected virtual int AppianRetriesPerDelivery => 1;

    /// <summary>The "Visits" section of the silos' configuration.</summary>
    protected abstract IReadOnlyDictionary<string, string?> VisitSettings { get; }

    public async ValueTask InitializeAsync()
    {
        var ct = TestContext.Current.CancellationToken;
        Rekognition = await FakeRekognition.StartAsync(cancellationToken: ct);
        Appian = await FakeAppian.StartAsync(cancellationToken: ct);

        var aws = new AwsClients(Options.Create(new AwsOptions
        {
            Region = Rekognition.Region,
            Rekognition = { ServiceUrl = Rekognition.ServiceUrl.ToString() },
            Credentials = new BasicAWSCredentials(FakeRekognition.AccessKey, FakeRekognition.SecretKey),
        }));
        _awsServices = AwsTestServices.Build(aws, faceSearch: new FaceSearchOptions
        {
            CollectionId = "customers",
            MaxRequestsPerSecond = RekognitionRequestsPerSecond,
        });
        var faceSearch = _awsServices.GetRequiredService<RekognitionFaceSearch>();
        await faceSearch.EnsureCollectionAsync(ct);

        var appian = new AppianOptions
        {
            BaseUrl = Appian.BaseUrl.ToString(),
            ApiKey = Appian.ApiKey,
            Endpoint = Appian.Endpoint,
            Timeout = TimeSpan.FromSeconds(5),
            MaxRetryAttempts = AppianRetriesPerDelivery,
            RetryDelay = TimeSpan.FromMilliseconds(100),
        };
        // The Appian client as the silo registers it: retries and timeouts in its resilience handler.
        _appianHttp = AppianResilience.CreateClient(appian, NullLogger.Instance);
        var tasks = new AppianTaskAssigner(_appianHttp, Options.Create(appian), NullLogger<AppianTaskAssigner>.Instance);

        var images = new CropsRekognitionCanRead(await CreateCropStoreAsync(ct), Rekognition);
        (VisitHistory, CustomerDirectory, ErasureTombstones) = await CreateRecordStoresAsync(ct);

        FaceSearch = faceSearch;
        Worlds[_worldId] = new AdapterWorld(faceSearch, tasks, VisitHistory, Alerts, CustomerDirectory, images, ErasureTombstones, VisitSettings);

        var builder = new TestClusterBuilder(2);
        builder.Properties[WorldKey] = _worldId;
        builder.AddSiloBuilderConfigurator<SiloConfigurator>();
        Cluster = builder.Build();
        await Cluster.DeployAsync();
    }

    /// <summary>The crop store behind the silos: an encrypted local folder unless a scenario brings its own.</summary>
    protected virtual Task<IImageStore> CreateCropStoreAsync(CancellationToken cancellationToken) =>
        Task.FromResult<IImageStore>(new LocalFolderImageStore(
            Options.Create(new LocalImageOptions { Folder = _imageFolder }), NullLogger<LocalFolderImageStore>.Instance));

    /// <summary>The history, directory and erasure tombstones behind the silos: in memory unless a scenario brings its own.</summary>
    protected virtual Task<(IVisitHistory, ICustomerDirectory, IErasureTombstones)> CreateRecordStoresAsync(CancellationToken cancellationToken) =>
        Task.FromResult<(IVisitHistory, ICustomerDirectory, IErasureTombstones)>((History, Directory, Tombstones));

    /// <summary>Stops what <see cref="CreateCropStoreAsync"/> and <see cref="CreateRecordStoresAsync"/> started, after the cluster.</summary>
    protected virtual ValueTask DisposeStoresAsync() => ValueTask.CompletedTask;

    public async ValueTask DisposeAsync()
    {
        if (Cluster is not null)
        {
            await Cluster.StopAllSilosAsync();
            await Cluster.DisposeAsync();
        }
        Worlds.TryRemove(_worldId, out _);
        await DisposeStoresAsync();
        await Appian.DisposeAsync();
        await Rekognition.DisposeAsync();
        if (_awsServices is not null)
        {
            await _awsServices.DisposeAsync();
        }
        _appianHttp?.Dispose();
        if (System.IO.Directory.Exists(_imageFolder))
        {
            System.IO.Directory.Delete(_imageFolder, recursive: true);
        }
        GC.SuppressFinalize(this);
    }

    /// <summary>What one cluster's silos talk to; both silos share it, as they share the fakes.</summary>
    private sealed record AdapterWorld(
        RekognitionFaceSearch FaceSearch,
        AppianTaskAssigner Tasks,
        IVisitHistory History,
        RecordingAlertPublisher Alerts,
        ICustomerDirectory Directory,
        IImageStore Images,
        IErasureTombstones Tombstones,
        IReadOnlyDictionary<string, string?> VisitSettings);

    private sealed class SiloConfigurator : ISiloConfigurator
    {
        public void Configure(ISiloBuilder silo)
        {
            var world = Worlds[silo.Configuration[WorldKey] ?? throw new InvalidOperationException($"{WorldKey} is not set.")];
            var configuration = new ConfigurationBuilder()
                .AddInMemoryCollection(world.VisitSettings.ToDictionary(s => $"Visits:{s.Key}", s => s.Value))
                .Build();
            silo.AddMemoryGrainStorage(StorageNames.Visits);
            silo.UseInMemoryReminderService();
            var services = silo.Services;
            services.AddVisitTracking(configuration);
            // The retry timer of the outbox runs on this clock: real time, so recovery needs no test to move it.
            services.AddKeyedSingleton(GrainClock.Key, TimeProvider.System);
            services.AddSingleton<IFaceSearch>(world.FaceSearch);
            services.AddSingleton<IFaceCollectionUpkeep>(world.FaceSearch);
            services.AddSingleton<ITaskAssigner>(world.Tasks);
            services.AddSingleton<IVisitHistory>(world.History);
            services.AddSingleton<IAlertPublisher>(world.Alerts);
            services.AddSingleton<ICustomerDirectory>(world.Directory);
            services.AddSingleton<IImageStore>(world.Images);
            services.AddSingleton<IErasureTombstones>(world.Tombstones);
        }
    }

    /// <summary>
    /// The crop store of these clusters, each crop also put where the fake Rekognition reads
    /// <c>Image.S3Object</c>, as Rekognition reads the crops bucket in production.
    /// </summary>
    private sealed class CropsRekognitionCanRead(IImageStore local, FakeRekognition rekognition) : IImageStore
    {
        public async Task<string> PutAsync(CropLocation crop, ReadOnlyMemory<byte> jpegOrPng, CancellationToken cancellationToken)
        {
            var key = await local.PutAsync(crop, jpegOrPng, cancellationToken);
            rekognition.PutS3Image(new FaceSearchOptions().ImageBucket, key, jpegOrPng.ToArray());
            return key;
        }

        public Task<Uri?> GetLinkAsync(string imageKey, CancellationToken cancellationToken) => local.GetLinkAsync(imageKey, cancellationToken);

        public Task<bool> ExistsAsync(string imageKey, CancellationToken cancellationToken) => local.ExistsAsync(imageKey, cancellationToken);

        public Task<bool> DeleteAsync(string imageKey, CancellationToken cancellationToken) => local.DeleteAsync(imageKey, cancellationToken);
    }
}
