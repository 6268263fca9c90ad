using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using NextGenCrm.TestSupport;
using NextGenCrm.Tests.Infrastructure;
using OpenTelemetry;
using OpenTelemetry.Trace;

namespace NextGenCrm.Tests.Telemetry;

/// <summary>
/// The real silo (<see cref="SiloFactory"/>: Program's own composition) on a loopback port, with its data folder,
/// tracing on and every finished span kept in memory, after the silo's own processors (what an exporter would get).
/// </summary>
public sealed class InProcessSilo : IAsyncDisposable
{
    private readonly SiloFactory _factory;

    private InProcessSilo(SiloFactory factory, ConcurrentQueue<Activity> spans)
    {
        _factory = factory;
        Spans = spans;
    }

    public Uri BaseUrl => _factory.Address;

    public ConcurrentQueue<Activity> Spans { get; }

    public string DataDir => _factory.DataDir!;

    public IServiceProvider Services => _factory.Services;

    public static Task<InProcessSilo> StartAsync(params IEnumerable<KeyValuePair<string, string?>> settings)
    {
        var spans = new ConcurrentQueue<Activity>();
        var factory = new SiloFactory(new SiloFactoryOptions
        {
            Kestrel = true,
            KeepData = true,
            Settings = new Dictionary<string, string?>([
                new("Telemetry:Tracing", "true"),
                new("FaceSearch:Simulated:MinLatency", "00:00:00.005"),
                new("FaceSearch:Simulated:MaxLatency", "00:00:00.010"),
                new("FaceSearch:Simulated:LostAnswerRate", "0"),
                .. settings,
            ]),
            Services = services => services.ConfigureOpenTelemetryTracerProvider(tracing => tracing.AddProcessor(new KeepInMemory(spans))),
        });
        return Task.FromResult(new InProcessSilo(factory.Start(), spans));
    }

    /// <summary>Appian's loopback fake the silo delivers its tasks to (<see cref="StartWithAppianAsync"/>).</summary>
    public FakeAppian? Appian { get; private init; }

    /// <summary>The silo with Appian's loopback fake as its task target.</summary>
    public static async Task<InProcessSilo> StartWithAppianAsync()
    {
        var appian = await FakeAppian.StartAsync(cancellationToken: TestContext.Current.CancellationToken);
        var silo = await StartAsync(new("Appian:BaseUrl", appian.BaseUrl.ToString()), new("Appian:ApiKey", appian.ApiKey), new("Appian:Endpoint", appian.Endpoint));
        return new InProcessSilo(silo._factory, silo.Spans) { Appian = appian };
    }

    public HttpClient Client(string? token = null) => _factory.Client(token);

    public async ValueTask DisposeAsync()
    {
        await _factory.DisposeAsync();
        if (Appian is not null)
        {
            await Appian.DisposeAsync();
        }
    }

    /// <summary>An in-memory exporter that may be read while spans are still ending.</summary>
    private sealed class KeepInMemory(ConcurrentQueue<Activity> spans) : BaseProcessor<Activity>
    {
        public override void OnEnd(Activity data) => spans.Enqueue(data);
    }
}

/// <summary>
/// The tests that read a silo's scrape or spans run alone: every silo in this process publishes the same "NextGenCrm"
/// instruments, and another silo starting or stopping meanwhile changes what this one's exporter aggregates.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class TelemetryCollection
{
    public const string Name = "telemetry";
}

/// <summary>A test class with its own <see cref="InProcessSilo"/> per test, delivering tasks to Appian's loopback fake.</summary>
public abstract class SiloWithAppianTests : IAsyncLifetime
{
    protected InProcessSilo Silo { get; private set; } = null!;

    protected FakeAppian Appian => Silo.Appian!;

    public async ValueTask InitializeAsync() => Silo = await InProcessSilo.StartWithAppianAsync();

    public ValueTask DisposeAsync() => Silo.DisposeAsync();
}
