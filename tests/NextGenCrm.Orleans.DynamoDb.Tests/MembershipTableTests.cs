using System.Net;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using NextGenCrm.Orleans.DynamoDb.Membership;
using Orleans;
using Orleans.Configuration;
using Orleans.Runtime;

namespace NextGenCrm.Orleans.DynamoDb.Tests;

public sealed class MembershipTableTests(DynamoDbLocalFixture dynamo) : IDisposable
{
    private readonly List<IDisposable> _tables = [];
    private static int s_nextPort = 20000;

    [Fact]
    public async Task A_new_cluster_table_is_empty_at_version_zero()
    {
        var table = await NewTableAsync();

        var data = await table.ReadAll();

        Assert.Empty(data.Members);
        Assert.Equal(0, data.Version.Version);
    }

    [Fact]
    public async Task Inserting_a_silo_moves_the_version_to_one()
    {
        var table = await NewTableAsync();
        var silo = Silo(SiloStatus.Joining);

        Assert.True(await table.InsertRow(silo, (await table.ReadAll()).Version.Next()));

        var data = await table.ReadAll();
        Assert.Equal(1, data.Version.Version);
        var (stored, _) = Assert.Single(data.Members);
        Assert.Equal(silo.SiloAddress, stored.SiloAddress);
        Assert.Equal(SiloStatus.Joining, stored.Status);
        Assert.Equal(silo.SiloName, stored.SiloName);
    }

    [Fact]
    public async Task Inserting_the_same_silo_twice_fails_and_keeps_the_version()
    {
        var table = await NewTableAsync();
        var silo = Silo(SiloStatus.Joining);
        Assert.True(await table.InsertRow(silo, (await table.ReadAll()).Version.Next()));

        var second = await table.InsertRow(silo, (await table.ReadAll()).Version.Next());

        Assert.False(second);
        var data = await table.ReadAll();
        Assert.Equal(1, data.Version.Version);
        Assert.Single(data.Members);
    }

    [Fact]
    public async Task Inserting_with_a_stale_table_version_fails()
    {
        var table = await NewTableAsync();
        var stale = (await table.ReadAll()).Version;
        Assert.True(await table.InsertRow(Silo(SiloStatus.Joining), stale.Next()));

        var late = Silo(SiloStatus.Joining);
        Assert.False(await table.InsertRow(late, stale.Next()));

        var data = await table.ReadAll();
        Assert.Null(data.TryGet(late.SiloAddress));
        Assert.Equal(1, data.Version.Version);
    }

    [Fact]
    public async Task Twenty_silos_inserting_at_once_on_one_version_leave_exactly_one_winner()
    {
        var table = await NewTableAsync();
        var version = (await table.ReadAll()).Version.Next();
        var silos = Enumerable.Range(0, 20).Select(_ => Silo(SiloStatus.Joining)).ToList();

        var results = await Task.WhenAll(silos.Select(s => Task.Run(() => table.InsertRow(s, version))));

        Assert.Equal(1, results.Count(won => won));
        var data = await table.ReadAll();
        Assert.Single(data.Members);
        Assert.Equal(silos[Array.IndexOf(results, true)].SiloAddress, data.Members[0].Item1.SiloAddress);
        Assert.Equal(1, data.Version.Version);
    }

    [Fact]
    public async Task Updating_with_a_stale_row_etag_fails()
    {
        var table = await NewTableAsync();
        var silo = Silo(SiloStatus.Joining);
        Assert.True(await table.InsertRow(silo, (await table.ReadAll()).Version.Next()));
        var read = await table.ReadRow(silo.SiloAddress);
        var staleEtag = read.Members[0].Item2;
        silo.Status = SiloStatus.Active;
        Assert.True(await table.UpdateRow(silo, staleEtag, read.Version.Next()));

        var current = await table.ReadAll();
        silo.Status = SiloStatus.Dead;
        var lateUpdate = await table.UpdateRow(silo, staleEtag, current.Version.Next());

        Assert.False(lateUpdate);
        var after = await table.ReadAll();
        Assert.Equal(SiloStatus.Active, after.TryGet(silo.SiloAddress)!.Item1.Status);
        Assert.Equal(2, after.Version.Version);
    }

    [Fact]
    public async Task Suspicions_read_back_with_their_suspecting_silos_and_times()
    {
        var table = await NewTableAsync();
        var silo = Silo(SiloStatus.Active);
        var suspecterA = Silo(SiloStatus.Active).SiloAddress;
        var suspecterB = Silo(SiloStatus.Active).SiloAddress;
        var at = new DateTime(2026, 11, 28, 10, 15, 30, 123, DateTimeKind.Utc).AddTicks(4567);
        silo.SuspectTimes = [Tuple.Create(suspecterA, at), Tuple.Create(suspecterB, at.AddSeconds(7))];

        Assert.True(await table.InsertRow(silo, (await table.ReadAll()).Version.Next()));

        var stored = (await table.ReadRow(silo.SiloAddress)).Members.Single().Item1;
        Assert.Equal(silo.SuspectTimes, stored.SuspectTimes);
        Assert.Equal(silo.StartTime, stored.StartTime);
    }

    [Fact]
    public async Task I_am_alive_heartbeats_change_neither_the_version_nor_the_row_etag()
    {
        var table = await NewTableAsync();
        var silo = Silo(SiloStatus.Active);
        Assert.True(await table.InsertRow(silo, (await table.ReadAll()).Version.Next()));
        var before = await table.ReadRow(silo.SiloAddress);

        silo.IAmAliveTime = silo.IAmAliveTime.AddMinutes(3);
        await table.UpdateIAmAlive(silo);

        var after = await table.ReadRow(silo.SiloAddress);
        Assert.Equal(before.Version, after.Version);
        Assert.Equal(before.Members[0].Item2, after.Members[0].Item2);
        Assert.Equal(silo.IAmAliveTime, after.Members[0].Item1.IAmAliveTime);
    }

    [Fact]
    public async Task Defunct_cleanup_removes_only_silos_that_died_before_the_cutoff()
    {
        var table = await NewTableAsync();
        var longAgo = DateTime.UtcNow.AddDays(-2);
        var deadLongAgo = Silo(SiloStatus.Dead, aliveAt: longAgo);
        var activeButQuiet = Silo(SiloStatus.Active, aliveAt: longAgo);
        var deadRecently = Silo(SiloStatus.Dead, aliveAt: DateTime.UtcNow);
        foreach (var silo in new[] { deadLongAgo, activeButQuiet, deadRecently })
        {
            Assert.True(await table.InsertRow(silo, (await table.ReadAll()).Version.Next()));
        }

        await table.CleanupDefunctSiloEntries(DateTimeOffset.UtcNow.AddDays(-1));

        var remaining = (await table.ReadAll()).Members.Select(m => m.Item1.SiloAddress).ToList();
        Assert.DoesNotContain(deadLongAgo.SiloAddress, remaining);
        Assert.Contains(activeButQuiet.SiloAddress, remaining);
        Assert.Contains(deadRecently.SiloAddress, remaining);
    }

    [Fact]
    public async Task Deleting_a_clusters_entries_leaves_an_empty_table()
    {
        var cluster = DynamoDbLocalFixture.Cluster();
        var table = await NewTableAsync(cluster: cluster);
        Assert.True(await table.InsertRow(Silo(SiloStatus.Active), (await table.ReadAll()).Version.Next()));

        await table.DeleteMembershipTableEntries(cluster.Value.ClusterId);

        var data = await table.ReadAll();
        Assert.Empty(data.Members);
        Assert.Equal(0, data.Version.Version);
    }

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

    private static MembershipEntry Silo(SiloStatus status, int proxyPort = 0, DateTime? aliveAt = null)
    {
        var port = Interlocked.Increment(ref s_nextPort);
        var now = aliveAt ?? DateTime.UtcNow;
        return new MembershipEntry
        {
            SiloAddress = SiloAddress.New(IPAddress.Loopback, port, 1000 + port),
            Status = status,
            ProxyPort = proxyPort,
            HostName = "branch-host",
            SiloName = $"silo-{port}",
            RoleName = "NextGenCrm.Silo",
            UpdateZone = 1,
            FaultZone = 2,
            StartTime = now.AddMinutes(-1),
            IAmAliveTime = now,
            SuspectTimes = [],
        };
    }
}
