using System.Diagnostics;
using Amazon.DynamoDBv2.Model;
using Orleans;

namespace NextGenCrm.Orleans.DynamoDb.Tests;

/// <summary>
/// What a visit costs in DynamoDB writes (on-demand billing charges per write request): grain state
/// and reminders, counted at the wire on a simulated run. A measurement, bounded only for sanity.
/// </summary>
[Collection(VisitClusterCollection.Name)]
public sealed class DynamoDbWritesPerVisitTests(DynamoDbLocalFixture dynamo)
{
    // Sightings outlast the timeout by a third, and last-seen is persisted every third of the timeout:
    // the same proportions as a 20-minute stay under the default 15-minute timeout.
    private static readonly TimeSpan InactivityTimeout = TimeSpan.FromSeconds(6);
    private static readonly TimeSpan ForwardInterval = TimeSpan.FromSeconds(1);
    private const int SightingRounds = 8;
    private const int People = 30;
    private const int Branches = 3;

    [Fact]
    public async Task A_visit_costs_a_bounded_number_of_DynamoDB_writes()
    {
        var ct = TestContext.Current.CancellationToken;
        var output = TestContext.Current.TestOutputHelper!;
        var elapsed = Stopwatch.StartNew();
        await using var counter = await DynamoDbWriteCounter.StartAsync(dynamo.Dynamo.ServiceUrl);
        var world = VisitWorld.Create();
        var suffix = Guid.NewGuid().ToString("N");
        var people = Enumerable.Range(0, People).Select(i => new Person(i, suffix[..8], Branches)).ToList();
        foreach (var customer in people.Where(p => p.IsCustomer))
        {
            await world.EnrolAsync(customer.CustomerId, $"Test customer {customer.Index}", customer.FaceToken);
        }
        var cluster = VisitCluster.Build(2, counter.ServiceUrl, suffix, world, InactivityTimeout, ForwardInterval);
        await using var _ = cluster;
        await cluster.DeployAsync(ct);
        var grains = cluster.Client;
        var stateTable = VisitCluster.StateTable(suffix);
        var reminderTable = VisitCluster.ReminderTable(suffix);
        // The one reminder a cluster has before any visit: the orphan face sweep's, registered by each silo at start.
        while (await ItemCountAsync(reminderTable) < 1)
        {
            await Task.Delay(100, ct);
        }
        Assert.Equal(0, counter.WritesTo(stateTable));
        var atStart = counter.WritesTo(reminderTable);
        Assert.InRange(atStart, 1, 2);

        await using (var feed = new SightingFeed(grains, people))
        {
            feed.Start();
            await feed.WaitForRoundsAsync(SightingRounds, ct);
            await feed.StopAsync();
            Assert.Equal(0, feed.Failed);
        }

        // Every visit closed, its effects delivered and its backstop reminder gone: nothing more to write.
        // A visit whose closing timer is missed waits for the backstop reminder (a minute).
        var deadline = DateTimeOffset.UtcNow + InactivityTimeout + TimeSpan.FromMinutes(1) + TimeSpan.FromSeconds(15);
        List<VisitSummary> visits;
        while (true)
        {
            visits = [.. (await Task.WhenAll(people.Select(p => grains.GetGrain<IVisitorGrain>(p.VisitorId).GetVisits()))).SelectMany(v => v)];
            var settled = visits.All(v => v.ClosedAt is not null && v.Effects.All(e => e.Status == DeliveryStatus.Delivered))
                && await ItemCountAsync(reminderTable) == 1;
            if (settled)
            {
                break;
            }
            Assert.True(DateTimeOffset.UtcNow < deadline,
                $"Timed out waiting for every visit to close and settle: {visits.Count(v => v.ClosedAt is null)} open, {visits.Count(v => v.Effects.Any(e => e.Status != DeliveryStatus.Delivered))} undelivered, {await ItemCountAsync(reminderTable) - 1} visit reminders.");
            await Task.Delay(250, ct);
        }
        Assert.Equal(People, visits.Count);
        Assert.Equal(People, world.Tasks.Assigned.Count);

        var stateWrites = counter.WritesTo(stateTable);
        var reminderWrites = counter.WritesTo(reminderTable) - atStart;
        var perVisit = (double)(stateWrites + reminderWrites) / visits.Count;
        static string Breakdown(IReadOnlyDictionary<string, int> operations) => string.Join(", ", operations.Select(o => $"{o.Key} {o.Value}"));
        output.WriteLine($"{visits.Count} visits, {visits.Sum(v => v.SightingCount)} sightings, at {Branches} branches, each sighted {SightingRounds} s with a {InactivityTimeout.TotalSeconds:F0} s timeout");
        output.WriteLine($"grain state writes {stateWrites} ({Breakdown(counter.OperationsOn(stateTable))}), reminder writes {reminderWrites} ({Breakdown(counter.OperationsOn(reminderTable))})");
        output.WriteLine($"DynamoDB writes per visit: {perVisit:F2} (state {(double)stateWrites / visits.Count:F2}, reminders {(double)reminderWrites / visits.Count:F2}); membership writes in the same time {counter.WritesTo(VisitCluster.MembershipTable(suffix))}");
        output.WriteLine($"test time {elapsed.Elapsed.TotalSeconds:F1} s");
        Assert.InRange(perVisit, 3, 12);
    }

    private async Task<int> ItemCountAsync(string table)
    {
        using var client = dynamo.CreateClient();
        var response = await client.ScanAsync(new ScanRequest { TableName = table, ConsistentRead = true });
        return response.Count ?? 0;
    }
}
