using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using NextGenCrm.Orleans.DynamoDb.Membership;
using Orleans;
using Orleans.Configuration;
using Orleans.Runtime;
using NextGenCrm.Orleans.Contracts;

namespace NextGenCrm.Orleans.DynamoDb.Tests;

public sealed class MembershipTableTests(DynamoDbLocalFixture dynamo) : MembershipTableContract, IDisposable
{
    private readonly List<IDisposable> _tables = [];

    [Fact]
    public async Task The_gateway_list_holds_only_active_silos_that_have_a_gateway_port()
    {
        var options = dynamo.Options<DynamoDBClusteringOptions>("membership");
        var cluster = DynamoDbLocalFixture.Cluster();
        var table = await NewTableAsync(options, cluster);
        var gateway = Silo(SiloStatus.Active, proxyPort: 30001);
        var noGatewayPort = Silo(SiloStatus.Active, proxyPort: 0);
        var joining = Silo(SiloStatus.Joining, proxyPort: 30002);
        var dead = Silo(SiloStatus.Dead, proxyPort: 30003);
        foreach (var silo in new[] { gateway, noGatewayPort, joining, dead })
        {
            Assert.True(await table.InsertRow(silo, (await table.ReadAll()).Version.Next()));
        }
        using var provider = new DynamoDBGatewayListProvider(
            Options.Create(options), cluster, Options.Create(new GatewayOptions()), NullLogger<DynamoDBGatewayListProvider>.Instance);
        await provider.InitializeGatewayListProvider();

        var gateways = await provider.GetGateways();

        var expected = SiloAddress.New(gateway.SiloAddress.Endpoint.Address, 30001, gateway.SiloAddress.Generation).ToGatewayUri();
        Assert.Equal([expected], gateways);
    }

    public void Dispose() => _tables.ForEach(t => t.Dispose());

    protected override async Task<IMembershipTable> NewTableAsync(string clusterId) =>
        await NewTableAsync(cluster: Options.Create(new ClusterOptions { ClusterId = clusterId, ServiceId = DynamoDbLocalFixture.Unique("service") }));

    private async Task<DynamoDBMembershipTable> NewTableAsync(DynamoDBClusteringOptions? options = null, IOptions<ClusterOptions>? cluster = null)
    {
        var table = new DynamoDBMembershipTable(
            Options.Create(options ?? dynamo.Options<DynamoDBClusteringOptions>("membership")),
            cluster ?? DynamoDbLocalFixture.Cluster(),
            NullLogger<DynamoDBMembershipTable>.Instance);
        _tables.Add(table);
        await table.InitializeMembershipTable(tryInitTableVersion: true);
        return table;
    }
}
