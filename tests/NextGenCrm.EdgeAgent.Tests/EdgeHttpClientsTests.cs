using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using NextGenCrm.EdgeAgent.Cameras;
using NextGenCrm.EdgeAgent.Configuration;
using NextGenCrm.EdgeAgent.Delivery;
using NextGenCrm.EdgeAgent.Hosting;

namespace NextGenCrm.EdgeAgent.Tests;

/// <summary>The resilience handlers of the token-endpoint and camera-snapshot HttpClients, against loopback servers.</summary>
public sealed class EdgeHttpClientsTests : IAsyncDisposable
{
    private readonly ServiceProvider _services = new ServiceCollection().AddLogging().AddEdgeHttpClients().BuildServiceProvider();
    private readonly List<WebApplication> _servers = [];
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask DisposeAsync()
    {
        foreach (var server in _servers)
        {
            await server.DisposeAsync();
        }
        await _services.DisposeAsync();
    }

    private HttpClient Client(string name) => _services.GetRequiredService<IHttpClientFactory>().CreateClient(name);

    /// <summary>A loopback server answering GET and POST at /x with <paramref name="answer"/> (called with the request's number, from 1).</summary>
    private async Task<Uri> ServeAsync(Func<int, CancellationToken, Task<IResult>> answer)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        var requests = 0;
        app.MapMethods("/x", ["GET", "POST"], (Delegate)((HttpContext context) => answer(Interlocked.Increment(ref requests), context.RequestAborted)));
        await app.StartAsync(Ct);
        _servers.Add(app);
        return new Uri(app.Urls.First() + "/x");
    }

    private ClientCredentialsSource TokenSource(Uri endpoint) => new(Client(EdgeHttpClients.TokenEndpoint),
        new ClientCredentialsOptions { TokenEndpoint = endpoint.ToString(), ClientId = "edge-b001", ClientSecret = "s3cret" },
        TimeProvider.System, NullLogger<ClientCredentialsSource>.Instance);

    private static IResult Token() =>
        Results.Json(new Dictionary<string, object> { ["access_token"] = "token-1", ["expires_in"] = 3600, ["token_type"] = "Bearer" });

    [Fact]
    public async Task A_token_endpoint_that_fails_for_a_moment_still_gives_the_agent_its_token()
    {
        var calls = 0;
        var endpoint = await ServeAsync((n, _) =>
        {
            Interlocked.Increment(ref calls);
            return Task.FromResult(n <= 2 ? Results.StatusCode(503) : Token());
        });
        using var source = TokenSource(endpoint);

        Assert.Equal("token-1", await source.GetAsync(Ct));
        Assert.Equal(3, calls);
    }

    [Fact]
    public async Task Refused_client_credentials_are_asked_for_once_not_retried()
    {
        var calls = 0;
        var endpoint = await ServeAsync((_, _) =>
        {
            Interlocked.Increment(ref calls);
            return Task.FromResult(Results.Json(new { error = "invalid_client" }, statusCode: 401));
        });
        using var source = TokenSource(endpoint);

        Assert.Null(await source.GetAsync(Ct));
        Assert.Equal(1, calls);
    }

    [Fact]
    public async Task A_camera_that_fails_once_gives_its_frame_through_one_quick_retry()
    {
        var photo = TestImages.Scaled(TestImages.Photo("sample3.jpg"), 320, 225);
        var calls = 0;
        var url = await ServeAsync((n, _) =>
        {
            Interlocked.Increment(ref calls);
            return Task.FromResult(n == 1 ? Results.StatusCode(503) : Results.Bytes(photo, "image/jpeg"));
        });
        // The poll clock never moves: a second request can only be the handler's retry.
        var (source, _) = Camera(url, new FakeTimeProvider(DateTimeOffset.UtcNow));

        await using var frames = source.ReadFramesAsync(Ct).GetAsyncEnumerator(Ct);
        Assert.True(await frames.MoveNextAsync());
        frames.Current.Dispose();

        Assert.Equal(2, calls);
    }

    [Fact]
    public async Task A_late_snapshot_is_given_up_after_the_attempt_timeout_and_not_asked_for_again()
    {
        var calls = 0;
        var url = await ServeAsync(async (_, aborted) =>
        {
            Interlocked.Increment(ref calls);
            await Task.Delay(TimeSpan.FromSeconds(30), aborted);
            return Results.StatusCode(200);
        });
        var (source, status) = Camera(url, new FakeTimeProvider(DateTimeOffset.UtcNow));
        using var reading = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        var frames = Task.Run(async () =>
        {
            await foreach (var frame in source.ReadFramesAsync(reading.Token))
            {
                frame.Dispose();
            }
        }, Ct);

        // The attempt times out (2 s), the camera is marked unreachable, and the source waits for its next poll.
        while (status.Problem is null)
        {
            await Task.Delay(50, Ct);
        }
        await reading.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => frames);

        Assert.Equal(1, calls);
    }

    private (HttpSnapshotSource Source, CameraStatus Status) Camera(Uri url, TimeProvider pollClock)
    {
        var camera = new CameraOptions { Id = "door", Source = CameraSourceKind.HttpSnapshot, Url = url.ToString(), PollInterval = TimeSpan.FromSeconds(10) };
        var metrics = new AgentMetrics();
        return (new HttpSnapshotSource(camera, Client(EdgeHttpClients.CameraSnapshots), metrics, pollClock, NullLogger.Instance), metrics.Camera("door"));
    }
}
