namespace NextGenCrm.Integrations.Tests.Scenarios;

/// <summary>
/// The adapter scenarios run alone: a burst on the two shared cores would bunch the calls of another
/// scenario's rate-limited client and blur both the peak-rate and the recovery-time figures.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class AdapterScenarios
{
    public const string Name = "adapter-scenarios";
}
