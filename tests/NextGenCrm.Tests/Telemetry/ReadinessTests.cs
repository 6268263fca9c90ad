using System.Net;
using System.Text.Json.Nodes;

namespace NextGenCrm.Tests.Telemetry;

/// <summary>Readiness that means something: a silo whose grain storage is gone is taken out of service.</summary>
[Collection(TelemetryCollection.Name)]
public sealed class ReadinessTests : IAsyncLifetime
{
    private InProcessSilo _silo = null!;

    public async ValueTask InitializeAsync() => _silo = await InProcessSilo.StartAsync();

    public async ValueTask DisposeAsync() => await _silo.DisposeAsync();

    [Fact]
    public async Task Readiness_fails_when_the_local_store_is_unreachable_and_liveness_does_not()
    {
        var ct = TestContext.Current.CancellationToken;
        using var probe = _silo.Client();
        using (var ready = await probe.GetAsync("health/ready", ct))
        {
            Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
            Assert.Equal("Healthy", Check(JsonNode.Parse(await ready.Content.ReadAsStringAsync(ct))!, "storage"));
        }

        // The data folder's grain store disappears under the running silo (a volume unmounted, a file removed).
        foreach (var file in Directory.GetFiles(_silo.DataDir, "orleans.db*"))
        {
            File.Delete(file);
        }

        using var unready = await probe.GetAsync("health/ready", ct);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, unready.StatusCode);
        var report = JsonNode.Parse(await unready.Content.ReadAsStringAsync(ct))!;
        Assert.Equal("Unhealthy", Check(report, "storage"));
        Assert.Equal("Healthy", Check(report, "membership"));
        using var live = await probe.GetAsync("health/live", ct);
        Assert.Equal(HttpStatusCode.OK, live.StatusCode);
    }

    private static string? Check(JsonNode report, string name) =>
        report["checks"]!.AsArray().Single(c => (string?)c!["name"] == name)!["status"]!.GetValue<string>();
}
