// The contract calls the Orleans interfaces as the runtime does, without a test cancellation token.
#pragma warning disable xUnit1051
// The tables implement IMembershipTable's classic methods (marked obsolete in Orleans 10 in favour of *Async ones): the contract calls those.
#pragma warning disable CS0618

using System.Net;
using Orleans;
using Orleans.Runtime;

namespace NextGenCrm.Orleans.Contracts;

/// <summary>
/// What every membership table of the project promises the silos (Orleans' membership protocol: versioned,
/// conditional inserts and updates, heartbeats outside the version, defunct cleanup): run against each by a
/// subclass that says how to make one. DynamoDB is the project's only membership table: the embedded mode
/// runs Orleans' Development clustering (one silo), so SQLite has none.
/// </summary>
public abstract class MembershipTableContract
{
    private static int s_nextPort = 20000;

    /// <summary>A new, initialised table of cluster <paramref name="clusterId"/>.</summary>
    protected abstract Task<IMembershipTable> NewTableAsync(string clusterId);

    [Fact]
    public async Task A_new_cluster_table_is_empty_at_version_zero()
    {
        var table = await NewTableAsync($"cluster-{Guid.NewGuid():N}");

        var data = await table.ReadAll();

        Assert.Empty(data.Members);
        Assert.Equal(0, data.Version.Version);
    }

    [Fact]
    public async Task Inserting_a_silo_moves_the_version_to_one()
    {
        var table = await NewTableAsync($"cluster-{Guid.NewGuid():N}");
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
        var table = await NewTableAsync($"cluster-{Guid.NewGuid():N}");
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
        var table = await NewTableAsync($"cluster-{Guid.NewGuid():N}");
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
        var table = await NewTableAsync($"cluster-{Guid.NewGuid():N}");
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
        var table = await NewTableAsync($"cluster-{Guid.NewGuid():N}");
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
        var table = await NewTableAsync($"cluster-{Guid.NewGuid():N}");
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
        var table = await NewTableAsync($"cluster-{Guid.NewGuid():N}");
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
        var table = await NewTableAsync($"cluster-{Guid.NewGuid():N}");
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
        var clusterId = $"cluster-{Guid.NewGuid():N}";
        var table = await NewTableAsync(clusterId);
        Assert.True(await table.InsertRow(Silo(SiloStatus.Active), (await table.ReadAll()).Version.Next()));

        await table.DeleteMembershipTableEntries(clusterId);

        var data = await table.ReadAll();
        Assert.Empty(data.Members);
        Assert.Equal(0, data.Version.Version);
    }

    protected static MembershipEntry Silo(SiloStatus status, int proxyPort = 0, DateTime? aliveAt = null)
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
