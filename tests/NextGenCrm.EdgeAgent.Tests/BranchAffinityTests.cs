using System.Collections.Concurrent;
using System.Net;
using NextGenCrm.Contracts;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using NextGenCrm.EdgeAgent.Configuration;
using NextGenCrm.EdgeAgent.Delivery;
using NextGenCrm.EdgeAgent.Hosting;

namespace NextGenCrm.EdgeAgent.Tests;

/// <summary>
/// The agent keeps to the silo that holds its branch behind an ingress with cookie affinity: the silo client as the
/// agent builds it (<see cref="EdgeHttpClients.Silo"/>) against <see cref="StickyIngress"/>, a loopback stand-in for
/// ingress-nginx's cookie affinity in front of three silo pods.
/// </summary>
public sealed class BranchAffinityTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Within_as_many_requests_as_silos_every_sighting_enters_at_the_branchs_silo_and_follows_it_when_it_moves()
    {
        await using var ingress = await StickyIngress.StartAsync(pods: 3, home: 1);
        var client = Client(ingress);

        for (var i = 0; i < 12; i++)
        {
            Assert.Equal(DeliveryOutcome.Accepted, await client.SendAsync(Body(i), Ct));
        }
        var first = ingress.Served.ToArray();
        var settled = Array.IndexOf(first, 1);
        Assert.InRange(settled, 0, 2); // round robin over 3 pods reaches the home pod within 3 requests
        Assert.All(first[settled..], pod => Assert.Equal(1, pod));

        // The home pod is gone (a SIGKILL) and the branch's grains come back on pod 2.
        ingress.Kill(1);
        ingress.Home = 2;
        for (var i = 12; i < 24; i++)
        {
            Assert.Equal(DeliveryOutcome.Accepted, await client.SendAsync(Body(i), Ct));
        }
        var after = ingress.Served.ToArray()[12..];
        var resettled = Array.IndexOf(after, 2);
        Assert.InRange(resettled, 0, 1); // the ingress re-places the dead pod's client; at most one more request elsewhere
        Assert.All(after[resettled..], pod => Assert.Equal(2, pod));
    }

    [Fact]
    public async Task Batches_and_heartbeats_steer_as_sightings_do()
    {
        await using var ingress = await StickyIngress.StartAsync(pods: 3, home: 2);
        var client = Client(ingress);

        for (var i = 0; i < 6; i++)
        {
            var outcomes = await client.SendBatchAsync([Body(2 * i), Body(2 * i + 1)], Ct);
            Assert.All(outcomes!, o => Assert.Equal(DeliveryOutcome.Accepted, o));
            Assert.True(await client.SendHeartbeatAsync("b001", "door", new CameraHeartbeat(DateTimeOffset.UtcNow, 5, 0, 0, 0, 0, "ok", "test"), Ct));
        }

        Assert.All(ingress.Served.ToArray()[3..], pod => Assert.Equal(2, pod));
    }

    [Fact]
    public async Task A_malformed_affinity_cookie_and_every_other_cookie_are_never_sent_back()
    {
        await using var ingress = await StickyIngress.StartAsync(pods: 3, home: 0, cookieValue: _ => new string('a', BranchAffinity.MaxValueLength + 1));
        var client = Client(ingress);

        for (var i = 0; i < 6; i++)
        {
            Assert.Equal(DeliveryOutcome.Accepted, await client.SendAsync(Body(i), Ct));
        }

        Assert.All(ingress.CookiesReceived, Assert.Empty); // neither the oversized affinity cookie nor the ingress's "other" one
        Assert.Equal([0, 1, 2, 0, 1, 2], ingress.Served); // so the ingress kept spreading the requests
    }

    [Fact]
    public async Task With_no_affinity_cookie_configured_the_agent_sends_no_cookie_at_all()
    {
        await using var ingress = await StickyIngress.StartAsync(pods: 3, home: 0);
        var client = Client(ingress, cookie: "");

        for (var i = 0; i < 4; i++)
        {
            Assert.Equal(DeliveryOutcome.Accepted, await client.SendAsync(Body(i), Ct));
        }

        Assert.All(ingress.CookiesReceived, Assert.Empty);
        Assert.Equal([0, 1, 2, 0], ingress.Served);
    }

    [Fact]
    public void The_default_cookie_is_the_one_the_ingress_manifest_sets()
    {
        Assert.Equal("ngcrm-route", new SiloOptions().AffinityCookie); // deploy/kubernetes/ingress.yaml, session-cookie-name
        Assert.Contains("session-cookie-name: ngcrm-route", File.ReadAllText(Path.Combine(NextGenCrm.TestSupport.RepositoryPaths.Root, "deploy", "kubernetes", "ingress.yaml")));
    }

    private static SiloClient Client(StickyIngress ingress, string cookie = "ngcrm-route") =>
        new(EdgeHttpClients.Silo(new SiloOptions { BaseUrl = ingress.BaseUrl.ToString(), AffinityCookie = cookie }, null, NullLoggerFactory.Instance),
            NullLogger<SiloClient>.Instance);

    private static byte[] Body(int i) => Encoding.UTF8.GetBytes(
        $$"""{"sightingId":"s-{{i}}","branchId":"b001","cameraId":"door","trackId":"t1","capturedAt":"2026-12-01T08:00:00Z","faceToken":"f"}""");

    /// <summary>
    /// ingress-nginx's cookie affinity (persistent mode) in front of silo pods, as a loopback double: a request whose
    /// <c>ngcrm-route</c> cookie names a live pod goes there; any other is placed round robin over the live pods and
    /// answered with a cookie naming its pod (a hash of the pod's address, as nginx sets). It also sets a cookie of its
    /// own ("other") on every answer. Each pod answers as a silo does: 200, and whether it holds the branch.
    /// </summary>
    private sealed class StickyIngress : IAsyncDisposable
    {
        private readonly WebApplication _app;
        private readonly bool[] _alive;
        private readonly Func<int, string> _cookieValue;
        private int _next;

        private StickyIngress(WebApplication app, int pods, int home, Func<int, string> cookieValue)
        {
            _app = app;
            _alive = Enumerable.Repeat(true, pods).ToArray();
            _cookieValue = cookieValue;
            Home = home;
        }

        public Uri BaseUrl { get; private set; } = null!;

        public int Home { get; set; }

        public ConcurrentQueue<int> Served { get; } = new();

        public ConcurrentQueue<string> CookiesReceived { get; } = new();

        public static async Task<StickyIngress> StartAsync(int pods, int home, Func<int, string>? cookieValue = null)
        {
            var builder = WebApplication.CreateSlimBuilder();
            builder.Logging.ClearProviders();
            builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, 0));
            var app = builder.Build();
            var ingress = new StickyIngress(app, pods, home, cookieValue ?? NginxValue);
            app.Run(ingress.HandleAsync);
            await app.StartAsync();
            ingress.BaseUrl = new Uri(app.Urls.First() + "/");
            return ingress;
        }

        public void Kill(int pod) => _alive[pod] = false;

        private static string NginxValue(int pod) => Convert.ToHexStringLower(SHA1.HashData(Encoding.ASCII.GetBytes($"10.0.0.{pod}:8080")));

        private async Task HandleAsync(HttpContext context)
        {
            var cookie = context.Request.Headers.Cookie.ToString();
            CookiesReceived.Enqueue(cookie);
            var pod = Enumerable.Range(0, _alive.Length).Where(p => _alive[p]).FirstOrDefault(p => cookie == $"ngcrm-route={_cookieValue(p)}", -1);
            if (pod < 0)
            {
                do
                {
                    pod = _next++ % _alive.Length;
                }
                while (!_alive[pod]);
                context.Response.Headers.Append("Set-Cookie", $"ngcrm-route={_cookieValue(pod)}; Path=/; HttpOnly");
            }
            context.Response.Headers.Append("Set-Cookie", "other=1; Path=/");
            Served.Enqueue(pod);
            context.Response.Headers[EdgeHeaders.BranchHere] = pod == Home ? "true" : "false";
            if (context.Request.Path.Value!.EndsWith("/heartbeat", StringComparison.Ordinal))
            {
                context.Response.StatusCode = 204;
                return;
            }
            if (context.Request.Path.Value.EndsWith("/batch", StringComparison.Ordinal))
            {
                await context.Response.WriteAsync("""{"results":[{"index":0,"status":200},{"index":1,"status":200}]}""");
                return;
            }
            await context.Response.WriteAsync("""{"sightingId":"s","outcome":"new-visit"}""");
        }

        public async ValueTask DisposeAsync() => await _app.DisposeAsync();
    }
}
