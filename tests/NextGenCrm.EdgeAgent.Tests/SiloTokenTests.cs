using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using NextGenCrm.EdgeAgent.Configuration;
using NextGenCrm.EdgeAgent.Delivery;
using NextGenCrm.EdgeAgent.Hosting;
using NextGenCrm.TestSupport;

namespace NextGenCrm.EdgeAgent.Tests;

/// <summary>The agent's token for the silo: from a file replaced while it runs, or from the provider's token endpoint.</summary>
public sealed class SiloTokenTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("edge-token-").FullName;
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private async Task<(SightingBuffer Buffer, SightingDelivery Delivery, AgentMetrics Metrics)> DeliveryAsync(FakeSilo silo, ISiloToken token)
    {
        var options = Options.Create(new EdgeAgentOptions
        {
            BranchId = "b001",
            Silo = new SiloOptions { BaseUrl = silo.BaseUrl.ToString(), BatchSize = 10, MaxRetryDelay = TimeSpan.FromMilliseconds(200) },
            Buffer = new BufferOptions { Directory = Path.Combine(_directory, "buffer") },
        });
        var buffer = new SightingBuffer(options.Value.Buffer, NullLogger<SightingBuffer>.Instance);
        var http = new HttpClient(new BearerTokenHandler(token) { InnerHandler = new SocketsHttpHandler() }) { BaseAddress = silo.BaseUrl };
        var metrics = new AgentMetrics();
        var delivery = new SightingDelivery(buffer, new SiloClient(http, NullLogger<SiloClient>.Instance), metrics, options, NullLogger<SightingDelivery>.Instance);
        await delivery.StartAsync(Ct);
        return (buffer, delivery, metrics);
    }

    private static async Task EventuallyAsync(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"timed out waiting until {what}");
            await Task.Delay(50, Ct);
        }
    }

    [Fact]
    public async Task Sightings_refused_for_an_expired_token_stay_buffered_and_go_once_the_token_file_is_replaced()
    {
        await using var silo = await FakeSilo.StartAsync();
        silo.AcceptedTokens["fresh-token"] = true;
        var tokenFile = Path.Combine(_directory, "edge.token");
        await File.WriteAllTextAsync(tokenFile, "expired-token\n", Ct);
        var (buffer, delivery, metrics) = await DeliveryAsync(silo, new TokenFileSource(tokenFile, TimeProvider.System));
        using (buffer)
        using (delivery)
        using (metrics)
        {
            var outbox = new SightingOutbox(buffer, Options.Create(new EdgeAgentOptions { BranchId = "b001" }));
            outbox.EnqueueFaceToken("door", "t-1", DateTimeOffset.UtcNow, "person-1");
            outbox.EnqueueFaceToken("door", "t-2", DateTimeOffset.UtcNow, "person-2");
            await EventuallyAsync(() => silo.Authorizations.Count >= 2, "the agent has tried twice");
            Assert.Equal(2, buffer.Depth);
            Assert.Empty(silo.Sightings);
            Assert.Equal(0, metrics.Rejected);
            Assert.All(silo.Authorizations, a => Assert.Equal("Bearer expired-token", a));

            await File.WriteAllTextAsync(tokenFile, "fresh-token", Ct);
            await EventuallyAsync(() => buffer.Depth == 0, "the buffer drained with the new token");
            await delivery.StopAsync(Ct);
        }
        Assert.Equal(["t-1", "t-2"], silo.Sightings.Select(s => s.TrackId));
        Assert.Contains("Bearer fresh-token", silo.Authorizations);
    }

    [Fact]
    public async Task With_client_credentials_the_agent_gets_a_token_from_the_provider_and_renews_it_before_it_expires()
    {
        await using var provider = await FakeIdentityProvider.StartAsync(Ct);
        provider.AddClient("edge-b001", "s3cret", new Dictionary<string, object> { ["roles"] = new[] { "edge", "branch.b001" } });
        provider.ClientTokenLifetime = TimeSpan.FromMinutes(10);
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var secretFile = Path.Combine(_directory, "client-secret");
        await File.WriteAllTextAsync(secretFile, "s3cret\n", Ct);
        using var source = new ClientCredentialsSource(new HttpClient(), new ClientCredentialsOptions
        {
            TokenEndpoint = provider.TokenEndpoint.ToString(),
            ClientId = "edge-b001",
            ClientSecretFile = secretFile,
            Scope = "api://nextgencrm/.default",
            RefreshBeforeExpiry = TimeSpan.FromMinutes(2),
        }, clock, NullLogger<ClientCredentialsSource>.Instance);

        var first = await source.GetAsync(Ct);
        Assert.NotNull(first);
        Assert.Equal(first, await source.GetAsync(Ct));
        Assert.Equal(1, provider.TokensIssued);

        clock.Advance(TimeSpan.FromMinutes(7));
        Assert.Equal(first, await source.GetAsync(Ct));
        clock.Advance(TimeSpan.FromMinutes(1.5)); // 8.5 of 10 minutes: within two minutes of expiry
        var renewed = await source.GetAsync(Ct);
        Assert.Equal(2, provider.TokensIssued);
        Assert.NotEqual(first, renewed);

        // The silo refusing it (revoked, rotated) makes the next request fetch another.
        source.Refused();
        await source.GetAsync(Ct);
        Assert.Equal(3, provider.TokensIssued);
    }

    [Fact]
    public async Task Wrong_client_credentials_give_no_token_and_the_sightings_wait()
    {
        await using var provider = await FakeIdentityProvider.StartAsync(Ct);
        provider.AddClient("edge-b001", "right", new Dictionary<string, object>());
        using var source = new ClientCredentialsSource(new HttpClient(), new ClientCredentialsOptions
        {
            TokenEndpoint = provider.TokenEndpoint.ToString(), ClientId = "edge-b001", ClientSecret = "wrong",
        }, TimeProvider.System, NullLogger<ClientCredentialsSource>.Instance);

        Assert.Null(await source.GetAsync(Ct));
        Assert.Equal(0, provider.TokensIssued);
    }

    public static TheoryData<string, bool, bool> SiloUrls => new()
    {
        { "http://silo.bank.internal:8080", false, false },
        { "http://silo.bank.internal:8080", true, true },
        { "https://silo.bank.internal", false, true },
        { "http://127.0.0.1:5080", false, true },
        { "http://localhost:5080", false, true },
    };

    [Theory]
    [MemberData(nameof(SiloUrls))]
    public void Plain_http_to_a_silo_on_another_machine_is_refused_unless_allowed(string url, bool allowInsecure, bool valid)
    {
        var options = new EdgeAgentOptions
        {
            BranchId = "b001",
            Silo = new SiloOptions { BaseUrl = url, AllowInsecureHttp = allowInsecure },
            Cameras = [new CameraOptions { Id = "door", Source = CameraSourceKind.Simulate }],
        };
        var result = new EdgeAgentOptionsValidator().Validate(null, options);
        Assert.Equal(valid, result.Failures?.Any(f => f.Contains("plain http", StringComparison.Ordinal)) != true);
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
