namespace NextGenCrm.Bench.Pipelines;

/// <summary>The baseline: a grain call that does nothing, and the bare cost of one activation.</summary>
public interface INoopGrain : IGrainWithStringKey
{
    Task<int> Ping(int value);
}

/// <summary>Reentrant, like the camera grain, so the baseline is the raw call path and not a per-grain queue.</summary>
[global::Orleans.Concurrency.Reentrant]
public sealed class NoopGrain : Grain, INoopGrain
{
    public Task<int> Ping(int value) => Task.FromResult(value);
}

/// <summary>A diagnostic: a grain that only registers one durable reminder, to price that step of opening a visit.</summary>
public interface IReminderProbeGrain : IGrainWithStringKey
{
    Task Register();
}

public sealed class ReminderProbeGrain : Grain, IReminderProbeGrain, IRemindable
{
    public async Task Register() => await this.RegisterOrUpdateReminder("probe", TimeSpan.FromMinutes(7), TimeSpan.FromMinutes(7));

    public Task ReceiveReminder(string reminderName, TickStatus status) => Task.CompletedTask;
}
