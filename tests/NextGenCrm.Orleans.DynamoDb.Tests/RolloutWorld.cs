using System.Diagnostics;
using Amazon.Runtime;
using Amazon.S3.Model;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using NextGenCrm.Integrations.Aws;
using NextGenCrm.TestSupport;
using Orleans;
using Orleans.Configuration;
using Orleans.Hosting;

namespace NextGenCrm.Orleans.DynamoDb.Tests;

/// <summary>
/// Three silo processes wired as on EKS (Rekognition face search, DynamoDB storage, membership, history and audit,
/// crops in S3, tasks to Appian), each service a loopback stand-in: DynamoDB Local, fauxqs for S3, the fake
/// Rekognition and Appian. In front, <see cref="ApiFront"/> plays the Kubernetes Service. Silos are
/// replaced as a rollout replaces pods: a new process on new ports joins, the old one is told to stop.
/// </summary>
public sealed class RolloutWorld : IAsyncDisposable
{
    public const string Region = "us-east-1";

    private readonly Fauxqs _fauxqs;
    private readonly string _dynamoUrl;
    private readonly string _keyFolder;
    private IHost? _client;

    private RolloutWorld(Fauxqs fauxqs, FakeRekognition rekognition, FakeAppian appian, string dynamoUrl, string suffix, string keyFolder, SiloProcesses silos)
    {
        _fauxqs = fauxqs;
        Rekognition = rekognition;
        Appian = appian;
        _dynamoUrl = dynamoUrl;
        Suffix = suffix;
        _keyFolder = keyFolder;
        Silos = silos;
        Front = new ApiFront();
    }

    public FakeRekognition Rekognition { get; }
    public FakeAppian Appian { get; }
    public string Suffix { get; }
    public SiloProcesses Silos { get; }
    public ApiFront Front { get; }
    public string EdgeToken { get; private set; } = "";

    /// <summary>Membership settings that declare a dead silo dead within seconds (also in deploy/kubernetes/silo.yaml).</summary>
    public static readonly string[] MembershipSettings =
    [
        "--Orleans:Membership:ProbeTimeout=00:00:02",
        "--Orleans:Membership:NumMissedProbesLimit=2",
    ];

    public static async Task<RolloutWorld> StartAsync(string dynamoUrl, TimeSpan drainDelay, CancellationToken ct)
    {
        var suffix = Guid.NewGuid().ToString("N")[..12];
        var fauxqs = await Fauxqs.StartAsync(ct);
        var rekognition = await FakeRekognition.StartAsync(Region, ct);
        // As the service: each call takes a while, so calls overlap.
        rekognition.MinLatency = TimeSpan.FromMilliseconds(30);
        rekognition.MaxLatency = TimeSpan.FromMilliseconds(120);
        var appian = await FakeAppian.StartAsync(cancellationToken: ct);
        var bucket = $"crops-{suffix}";
        var aws = new AwsClients(Options.Create(new AwsOptions { Region = Region, ServiceUrl = fauxqs.ServiceUrl, Credentials = new BasicAWSCredentials(FakeRekognition.AccessKey, FakeRekognition.SecretKey) }));
        using (var s3 = aws.CreateS3())
        {
            await s3.PutBucketAsync(new PutBucketRequest { BucketName = bucket }, ct);
        }
        var keyFolder = Directory.CreateTempSubdirectory("rollout-key-").FullName;

        string[] arguments =
        [
            "--Orleans:Clustering:ProviderType=DynamoDB", "--Orleans:GrainStorage:visits:ProviderType=DynamoDB", "--Orleans:Reminders:ProviderType=DynamoDB",
            $"--Orleans:ClusterId=rollout-{suffix}", $"--Orleans:ServiceId=rollout-{suffix}",
            .. MembershipSettings,
            $"--Shutdown:DrainDelay={drainDelay:c}",
            "--FaceSearch:Provider=Rekognition", $"--FaceSearch:CollectionId=customers-{suffix}", $"--FaceSearch:ImageBucket={bucket}",
            "--FaceSearch:MaxRequestsPerSecond=100",
            $"--S3:Bucket={bucket}", "--Sns:RecordOnly=true",
            $"--Aws:Region={Region}", $"--Aws:DynamoDb:ServiceUrl={dynamoUrl}", $"--Aws:S3:ServiceUrl={fauxqs.ServiceUrl}",
            $"--Aws:Sqs:ServiceUrl={fauxqs.ServiceUrl}", $"--Aws:Sns:ServiceUrl={fauxqs.ServiceUrl}", $"--Aws:Rekognition:ServiceUrl={rekognition.ServiceUrl}",
            $"--Appian:BaseUrl={appian.BaseUrl}", $"--Appian:ApiKey={appian.ApiKey}", $"--Appian:Endpoint={appian.Endpoint}",
            "--CrmTables:CreateIfMissing=true", $"--CrmTables:HistoryTable=history-{suffix}", $"--CrmTables:CustomersTable=customers-{suffix}",
            $"--CrmTables:TombstonesTable=tombstones-{suffix}", $"--Audit:TableName=audit-{suffix}",
            $"--Auth:SigningKeyFile={Path.Combine(keyFolder, "signing-key.json")}",
            // No visit closes during the run: each person is one visit, one task.
            "--Visits:InactivityTimeout=00:30:00",
            "--Visits:ForwardInterval=00:00:02",
            "--RateLimits:SightingsPerSecond=10000",
            "--Logging:LogLevel:Default=Warning",
        ];
        var environment = new Dictionary<string, string>
        {
            ["AWS_ACCESS_KEY_ID"] = FakeRekognition.AccessKey, ["AWS_SECRET_ACCESS_KEY"] = FakeRekognition.SecretKey, ["AWS_REGION"] = Region,
        };
        var world = new RolloutWorld(fauxqs, rekognition, appian, dynamoUrl, suffix, keyFolder, new SiloProcesses(arguments, environment));
        try
        {
            for (var i = 0; i < 3; i++)
            {
                world.Front.Add(await world.Silos.StartAsync(ct));
            }
            world.EdgeToken = await IssueEdgeTokenAsync(Path.Combine(keyFolder, "signing-key.json"), ct);
            await world.Front.WaitUntilReadyAsync(3, ct);
            return world;
        }
        catch
        {
            await world.DisposeAsync();
            throw;
        }
    }

    /// <summary>An edge token for every branch, from the silo's own <c>tokens</c> subcommand and the cluster's shared key file.</summary>
    private static async Task<string> IssueEdgeTokenAsync(string keyFile, CancellationToken ct)
    {
        var configuration = AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}", StringComparison.Ordinal) ? "Release" : "Debug";
        var output = Path.Combine(RepositoryPaths.Root, "silo", "bin", configuration, "net10.0");
        var start = new ProcessStartInfo("dotnet") { WorkingDirectory = output, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in new[] { Path.Combine(output, "NextGenCrm.Silo.dll"), "tokens", "--role", "edge", "--branch", "*", "--subject", "rollout-agent", "--key-file", keyFile })
        {
            start.ArgumentList.Add(arg);
        }
        using var tokens = Process.Start(start)!;
        var printed = await tokens.StandardOutput.ReadToEndAsync(ct);
        var error = await tokens.StandardError.ReadToEndAsync(ct);
        await tokens.WaitForExitAsync(ct);
        return tokens.ExitCode == 0 ? printed.Trim() : throw new InvalidOperationException($"silo tokens failed ({tokens.ExitCode}): {error}");
    }

    /// <summary>A rollout's step: a new silo joins and is ready, then the old one gets SIGTERM; the time it took to exit.</summary>
    public async Task<TimeSpan> ReplaceAsync(SiloProcess old, CancellationToken ct)
    {
        var replacement = await Silos.StartAsync(ct);
        Front.Add(replacement);
        var watch = Stopwatch.StartNew();
        old.Terminate();
        var exitCode = await old.WaitForExitAsync(TimeSpan.FromSeconds(90), ct);
        Assert.True(exitCode == 0, $"silo {old.Number} exited with {exitCode} after SIGTERM:{Environment.NewLine}{old.Tail(40)}");
        return watch.Elapsed;
    }

    /// <summary>An Orleans client over the same membership table, for looking at visitors after the run.</summary>
    public async Task<IGrainFactory> ConnectAsync(CancellationToken ct)
    {
        if (_client is not null)
        {
            return _client.Services.GetRequiredService<IClusterClient>();
        }
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.UseOrleansClient(client =>
        {
            client.UseDynamoDBClustering(o =>
            {
                o.Service = _dynamoUrl;
                o.CreateIfNotExists = false;
            });
            client.Configure<ClusterOptions>(o =>
            {
                o.ClusterId = $"rollout-{Suffix}";
                o.ServiceId = $"rollout-{Suffix}";
            });
        });
        _client = builder.Build();
        await _client.StartAsync(ct);
        return _client.Services.GetRequiredService<IClusterClient>();
    }

    public async ValueTask DisposeAsync()
    {
        await Front.DisposeAsync();
        if (_client is not null)
        {
            try
            {
                await _client.StopAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10));
            }
            catch (Exception failure) when (failure is not OutOfMemoryException)
            {
                // The cluster is going away under it.
            }
            _client.Dispose();
        }
        await Silos.DisposeAsync();
        await Appian.DisposeAsync();
        await Rekognition.DisposeAsync();
        await _fauxqs.DisposeAsync();
        Directory.Delete(_keyFolder, recursive: true);
    }
}
