using Orleans;
using Orleans.Runtime;

namespace NextGenCrm.Orleans.DynamoDb.Tests;

/// <summary>A tiny persistent grain for the TestCluster scenario: counts sightings, and reminder ticks.</summary>
public interface IVisitTallyGrain : IGrainWithStringKey
{
    Task<int> RecordSighting();

    Task<VisitTallyState> Read();

    Task<Guid> Activation();

    Task StopReminder();

    Task Deactivate();
}

[GenerateSerializer]
public sealed class VisitTallyState
{
    [Id(0)]
    public int Sightings { get; set; }

    [Id(1)]
    public int ReminderTicks { get; set; }
}

public sealed class VisitTallyGrain(
    [PersistentState("tally", ClusterIntegrationTests.StorageName)] IPersistentState<VisitTallyState> tally)
    : Grain, IVisitTallyGrain, IRemindable
{
    public const string ReminderName = "close-visit";
    private readonly Guid _activation = Guid.NewGuid();

    public async Task<int> RecordSighting()
    {
        tally.State.Sightings++;
        await tally.WriteStateAsync();
        await this.RegisterOrUpdateReminder(ReminderName, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1));
        return tally.State.Sightings;
    }

    public Task<VisitTallyState> Read() => Task.FromResult(tally.State);

    public Task<Guid> Activation() => Task.FromResult(_activation);

    public async Task StopReminder()
    {
        if (await this.GetReminder(ReminderName) is { } reminder)
        {
            await this.UnregisterReminder(reminder);
        }
    }

    public Task Deactivate()
    {
        DeactivateOnIdle();
        return Task.CompletedTask;
    }

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        tally.State.ReminderTicks++;
        await tally.WriteStateAsync();
    }
}
