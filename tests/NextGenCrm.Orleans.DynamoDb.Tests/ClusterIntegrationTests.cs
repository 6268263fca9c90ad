using Amazon.DynamoDBv2.Model;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Orleans;
using Orleans.Configuration;
using Orleans.Hosting;
using Orleans.TestingHost;

namespace NextGenCrm.Orleans.DynamoDb.Tests;

public sealed class ClusterIntegrationTests(DynamoDbLocalFixture dynamo)
{
    public const string StorageName = "dynamo";
    private const string ServiceUrlKey = "DynamoDbTest:ServiceUrl";
    private const string TableSuffixKey = "DynamoDbTest:TableSuffix";

    [Fact]
    public async Task Two_silos_on_DynamoDB_keep_a_grains_state_and_reminder_across_deactivation()
    {
        var suffix = Guid.NewGuid().ToString("N");
        var builder = new TestClusterBuilder(2);
        builder.Options.UseTestClusterMembership = false;
        builder.Options.ConfigureFileLogging = false;
        builder.Properties[ServiceUrlKey] = dynamo.Dynamo.ServiceUrl;
        builder.Properties[TableSuffixKey] = suffix;
        builder.AddSiloBuilderConfigurator<DynamoDbSilo>();
        builder.AddClientBuilderConfigurator<DynamoDbClient>();
        var cluster = builder.Build();
        await using var _ = cluster;
        await cluster.DeployAsync(TestContext.Current.CancellationToken);

        var grain = cluster.Client.GetGrain<IVisitTallyGrain>("c-1042");
        await grain.RecordSighting();
        Assert.Equal(2, await grain.RecordSighting());
        var firstActivation = await grain.Activation();

        await WaitUntilAsync(async () => (await grain.Read()).ReminderTicks >= 1, "the reminder to fire");
        await grain.Deactivate();
        await WaitUntilAsync(async () => await grain.Activation() != firstActivation, "a new activation");

        var reloaded = await grain.Read();
        Assert.Equal(2, reloaded.Sightings);
        Assert.True(reloaded.ReminderTicks >= 1);
        Assert.True(await StoredItemsAsync($"state-{suffix}") >= 1);
        Assert.Equal(1, await StoredItemsAsync($"reminders-{suffix}"));
        Assert.Equal(2, cluster.Silos.Count);
        Assert.True(await StoredItemsAsync($"membership-{suffix}") >= 3, "two silo rows and the version row");

        await grain.StopReminder();
        Assert.Equal(0, await StoredItemsAsync($"reminders-{suffix}"));
    }

    private async Task<int> StoredItemsAsync(string table)
    {
        using var client = dynamo.CreateClient();
        var response = await client.ScanAsync(new ScanRequest { TableName = table, ConsistentRead = true });
        return response.Count ?? 0;
    }

    private static async Task WaitUntilAsync(Func<Task<bool>> condition, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"Timed out waiting for {what}.");
            await Task.Delay(200);
        }
    }

    private sealed class DynamoDbSilo : ISiloConfigurator
    {
        public void Configure(ISiloBuilder siloBuilder)
        {
            var url = siloBuilder.Configuration[ServiceUrlKey];
            var suffix = siloBuilder.Configuration[TableSuffixKey];
            siloBuilder
                .UseDynamoDBClustering(o => { o.Service = url; o.TableName = $"membership-{suffix}"; })
                .AddDynamoDBGrainStorage(StorageName, o => { o.Service = url; o.TableName = $"state-{suffix}"; })
                .UseDynamoDBReminderService(o => { o.Service = url; o.TableName = $"reminders-{suffix}"; });
            siloBuilder.Services.Configure<ReminderOptions>(o => o.MinimumReminderPeriod = TimeSpan.FromSeconds(1));
        }
    }

    private sealed class DynamoDbClient : IClientBuilderConfigurator
    {
        public void Configure(IConfiguration configuration, IClientBuilder clientBuilder) =>
            clientBuilder.UseDynamoDBClustering(o =>
            {
                o.Service = configuration[ServiceUrlKey];
                o.TableName = $"membership-{configuration[TableSuffixKey]}";
            });
    }
}
