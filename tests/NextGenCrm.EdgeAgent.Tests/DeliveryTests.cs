using NextGenCrm.Contracts;
using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using NextGenCrm.EdgeAgent.Configuration;
using NextGenCrm.EdgeAgent.Delivery;
using NextGenCrm.EdgeAgent.Hosting;

namespace NextGenCrm.EdgeAgent.Tests;

public sealed class DeliveryTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("edge-delivery-").FullName;

    [Fact]
    public async Task A_sighting_the_silo_calls_invalid_is_dropped_and_counted_and_the_rest_delivered()
    {
        await using var silo = await FakeSilo.StartAsync();
        var options = Options.Create(new EdgeAgentOptions
        {
            BranchId = "b001",
            Silo = new SiloOptions { BaseUrl = silo.BaseUrl.ToString(), BatchSize = 10 },
            Buffer = new BufferOptions { Directory = _directory },
        });
        using var buffer = new SightingBuffer(options.Value.Buffer, NullLogger<SightingBuffer>.Instance);
        var outbox = new SightingOutbox(buffer, options);
        outbox.EnqueueFaceToken("door", "t-1", DateTimeOffset.UtcNow, "person-1");
        // A track id the silo's rules refuse: it can never succeed, so it must not block the queue.
        buffer.Append(JsonSerializer.SerializeToUtf8Bytes(
            new SightingRequest { SightingId = SightingIds.NewSightingId(), BranchId = "b001", CameraId = "door", TrackId = "../t-2", CapturedAt = DateTimeOffset.UtcNow, FaceToken = "person-2" },
            EdgeJson.Default.SightingRequest));
        outbox.EnqueueFaceToken("door", "t-3", DateTimeOffset.UtcNow, "person-3");
        using var http = new HttpClient { BaseAddress = silo.BaseUrl };
        using var metrics = new AgentMetrics();
        using var delivery = new SightingDelivery(buffer, new SiloClient(http, NullLogger<SiloClient>.Instance), metrics, options, NullLogger<SightingDelivery>.Instance);

        await delivery.StartAsync(TestContext.Current.CancellationToken);
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (buffer.Depth > 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50, TestContext.Current.CancellationToken);
        }
        await delivery.StopAsync(TestContext.Current.CancellationToken);

        Assert.Equal(0, buffer.Depth);
        Assert.Equal(["t-1", "t-3"], silo.Sightings.Select(s => s.TrackId));
        Assert.Equal(1, metrics.Rejected);
        Assert.Equal(2, metrics.Accepted);
        Assert.Equal(2, metrics.Camera("door").SightingsSent);
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
