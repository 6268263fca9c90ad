using System.Text;
using System.Text.Json;
using System.Xml.Linq;
using Amazon.DynamoDBv2.Model;
using Amazon.Runtime;
using Amazon.SQS;
using Amazon.SQS.Model;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using NextGenCrm.Aws.SimpleNotificationService.Model;
using NextGenCrm.Integrations.Aws;
using NextGenCrm.TestSupport;
using Orleans;
using Orleans.Configuration;
using Orleans.Hosting;
using Orleans.Runtime;

namespace NextGenCrm.Orleans.DynamoDb.Tests;

/// <summary>
/// What three silo processes on DynamoDB Local deliver to, each counting what it got: the loopback fake
/// Appian (every call, per visit id; its idempotency keeps one task, the calls are counted all the same), an
/// SNS topic in fauxqs with a queue subscribed (every SMS that went out), the history table in DynamoDB
/// Local. The test talks to the cluster as an Orleans client over the same membership table.
/// </summary>
public sealed class ProcessCrashWorld : IAsyncDisposable
{
    public const string Region = "us-east-1";
    private const string Key = "test", Secret = "test";

    private readonly Fauxqs _fauxqs;
    private readonly IAmazonSQS _sqs;
    private readonly string _queueUrl;
    private readonly Dictionary<string, int> _smsByVisit = new(StringComparer.Ordinal);
    private IHost? _client;

    private ProcessCrashWorld(Fauxqs fauxqs, FakeAppian appian, IAmazonSQS sqs, string queueUrl, string topicArn, string suffix, SiloProcesses silos)
    {
        _fauxqs = fauxqs;
        Appian = appian;
        _sqs = sqs;
        _queueUrl = queueUrl;
        TopicArn = topicArn;
        Suffix = suffix;
        Silos = silos;
    }

    public FakeAppian Appian { get; }
    public string TopicArn { get; }
    public string Suffix { get; }
    public SiloProcesses Silos { get; }
    public string HistoryTable => $"history-{Suffix}";
    public IGrainFactory Grains => _client!.Services.GetRequiredService<IClusterClient>();

    public static async Task<ProcessCrashWorld> StartAsync(string dynamoUrl, TimeSpan inactivityTimeout, CancellationToken ct)
    {
        var suffix = Guid.NewGuid().ToString("N")[..12];
        var fauxqs = await Fauxqs.StartAsync(ct);
        var appian = await FakeAppian.StartAsync(cancellationToken: ct);
        var aws = new AwsClients(Options.Create(new AwsOptions { Region = Region, ServiceUrl = fauxqs.ServiceUrl, Credentials = new BasicAWSCredentials(Key, Secret) }));
        var sqs = aws.CreateSqs();
        var queueUrl = (await sqs.CreateQueueAsync(new CreateQueueRequest { QueueName = $"sms-{suffix}" }, ct)).QueueUrl;
        var queueArn = (await sqs.GetQueueAttributesAsync(queueUrl, ["QueueArn"], ct)).QueueARN;
        var sns = aws.CreateSns();
        var topicArn = (await sns.CreateTopicAsync(new CreateTopicRequest { Name = $"alerts-{suffix}" }, ct)).TopicArn!;
        await sns.SubscribeAsync(new SubscribeRequest { TopicArn = topicArn, Protocol = "sqs", Endpoint = queueArn }, ct);

        string[] arguments =
        [
            "--Orleans:Clustering:ProviderType=DynamoDB", "--Orleans:GrainStorage:visits:ProviderType=DynamoDB", "--Orleans:Reminders:ProviderType=DynamoDB",
            $"--Orleans:ClusterId=crash-{suffix}", $"--Orleans:ServiceId=crash-{suffix}",
            $"--Aws:Region={Region}", $"--Aws:DynamoDb:ServiceUrl={dynamoUrl}", $"--Aws:Sns:ServiceUrl={fauxqs.ServiceUrl}",
            $"--Sns:TopicArn={topicArn}",
            $"--Appian:BaseUrl={appian.BaseUrl}", $"--Appian:ApiKey={appian.ApiKey}", $"--Appian:Endpoint={appian.Endpoint}",
            "--CrmTables:CreateIfMissing=true", $"--CrmTables:HistoryTable=history-{suffix}", $"--CrmTables:CustomersTable=customers-{suffix}",
            $"--Visits:InactivityTimeout={inactivityTimeout:c}",
            "--Visits:ForwardInterval=00:00:02",
            // A delivery whose report died with its silo is handed out again after this, not after the default 2 minutes.
            "--Visits:DeliveryReportTimeout=00:00:05",
            "--Visits:DeliveryRetryBase=00:00:00.500",
            "--Logging:LogLevel:Default=Warning",
        ];
        var environment = new Dictionary<string, string> { ["AWS_ACCESS_KEY_ID"] = Key, ["AWS_SECRET_ACCESS_KEY"] = Secret, ["AWS_REGION"] = Region };
        var world = new ProcessCrashWorld(fauxqs, appian, sqs, queueUrl, topicArn, suffix, new SiloProcesses(arguments, environment));
        try
        {
            for (var i = 0; i < 3; i++)
            {
                await world.Silos.StartAsync(ct);
            }
            await world.ConnectAsync(dynamoUrl, ct);
            return world;
        }
        catch
        {
            await world.DisposeAsync();
            throw;
        }
    }

    private async Task ConnectAsync(string dynamoUrl, CancellationToken ct)
    {
        // Empty: the default builder would read the silo's appsettings.json (copied beside the tests) as client configuration.
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.UseOrleansClient(client =>
        {
            client.UseDynamoDBClustering(o =>
            {
                o.Service = dynamoUrl;
                o.CreateIfNotExists = false;
            });
            client.Configure<ClusterOptions>(o =>
            {
                o.ClusterId = $"crash-{Suffix}";
                o.ServiceId = $"crash-{Suffix}";
            });
            // A call to a killed silo fails within seconds and is tried again.
            client.Configure<ClientMessagingOptions>(o => o.ResponseTimeout = TimeSpan.FromSeconds(5));
        });
        _client = builder.Build();
        await _client.StartAsync(ct);
    }

    /// <summary>The silo process hosting the grain now, if any answers.</summary>
    public async Task<SiloProcess?> HostOfAsync(GrainReference grain, CancellationToken ct)
    {
        var address = await Grains.GetGrain<IManagementGrain>(0).GetActivationAddress(grain, ct);
        return address is null ? null : Silos.Silos.FirstOrDefault(s => s.SiloPort == address.Endpoint.Port);
    }

    /// <summary>Every SMS that reached the topic's subscriber so far, by visit id (read once, counted here).</summary>
    public async Task<IReadOnlyDictionary<string, int>> SmsByVisitAsync(CancellationToken ct)
    {
        while (true)
        {
            var batch = await _sqs.ReceiveMessageAsync(new ReceiveMessageRequest { QueueUrl = _queueUrl, MaxNumberOfMessages = 10, WaitTimeSeconds = 1 }, ct);
            if (batch.Messages is not { Count: > 0 } messages)
            {
                return _smsByVisit;
            }
            foreach (var message in messages)
            {
                using var body = JsonDocument.Parse(message.Body);
                var visitId = body.RootElement.GetProperty("MessageAttributes").GetProperty("visitId").GetProperty("Value").GetString()!;
                _smsByVisit[visitId] = _smsByVisit.GetValueOrDefault(visitId) + 1;
                await _sqs.DeleteMessageAsync(_queueUrl, message.ReceiptHandle, ct);
            }
        }
    }

    /// <summary>The visit's history record in DynamoDB Local: (task receipt, alert receipt), or null when none was written.</summary>
    public async Task<(bool Task, bool Alert)?> HistoryAsync(Amazon.DynamoDBv2.IAmazonDynamoDB dynamo, string visitorId, string visitId, CancellationToken ct)
    {
        var item = (await dynamo.GetItemAsync(new GetItemRequest
        {
            TableName = HistoryTable,
            Key = new() { ["visitorId"] = new AttributeValue { S = visitorId }, ["visitId"] = new AttributeValue { S = visitId } },
            ConsistentRead = true,
        }, ct)).Item;
        return item is { Count: > 0 } ? (item.ContainsKey("taskAssignedAt"), item.ContainsKey("alertSentAt")) : null;
    }

    public async ValueTask DisposeAsync()
    {
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
        _sqs.Dispose();
        await Appian.DisposeAsync();
        await _fauxqs.DisposeAsync();
    }
}
