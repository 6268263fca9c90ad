using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using NextGenCrm.TestSupport;

namespace NextGenCrm.Orleans.DynamoDb.Tests;

/// <summary>
/// Sightings flowing through the HTTP API as branch edge agents send them: one camera per branch sends its
/// sightings one after another, each a JPEG of one of the branch's regulars (a new track every few rounds, so
/// the face is searched again); an answer the agent would retry (5xx, 408, 429, 401/403, no answer within
/// 15 s, no connection) is sent again with the same sighting id after the agent's backoff. Every attempt is
/// recorded with its branch, time and result.
/// </summary>
public sealed class SightingLoad(ApiFront front, string edgeToken, int branches, int peoplePerBranch, string label)
{
    private static readonly TimeSpan FirstRetryDelay = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan MaxRetryDelay = TimeSpan.FromSeconds(2);
    private readonly ConcurrentQueue<Attempt> _attempts = new();
    private readonly ConcurrentDictionary<string, ConcurrentDictionary<(string VisitorId, string VisitId), byte>> _answers = new(StringComparer.Ordinal);
    private readonly Stopwatch _clock = Stopwatch.StartNew();

    /// <summary>One HTTP request: which branch, when it was sent and answered (since the load began), the status (0: no answer).</summary>
    public sealed record Attempt(string BranchId, TimeSpan SentAt, TimeSpan AnsweredAt, int Status, string? Error);

    public IReadOnlyCollection<Attempt> Attempts => _attempts;

    /// <summary>Per person: the (visitor, visit) pairs the silo answered with.</summary>
    public IReadOnlyDictionary<string, ConcurrentDictionary<(string VisitorId, string VisitId), byte>> Answers => _answers;

    public int Accepted { get; private set; }

    public TimeSpan Now => _clock.Elapsed;

    public IEnumerable<string> BranchIds => Enumerable.Range(0, branches).Select(b => $"{label}-branch-{b}");

    public static string Person(string branchId, int index) => $"{branchId}-person-{index}";

    /// <summary>Sends until <paramref name="stop"/> is cancelled; each sighting is delivered before the next (or the test gives up).</summary>
    public async Task RunAsync(CancellationToken stop, CancellationToken ct)
    {
        using var http = new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromSeconds(5) }) { Timeout = TimeSpan.FromSeconds(15) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", edgeToken);
        var accepted = await Task.WhenAll(BranchIds.Select(branch => CameraAsync(http, branch, stop, ct)));
        Accepted = accepted.Sum();
    }

    private async Task<int> CameraAsync(HttpClient http, string branchId, CancellationToken stop, CancellationToken ct)
    {
        var accepted = 0;
        for (var round = 0; !stop.IsCancellationRequested; round++)
        {
            var index = round % peoplePerBranch;
            var person = Person(branchId, index);
            var track = $"t-{index}-{round / (peoplePerBranch * 3)}";
            var body = JsonSerializer.SerializeToUtf8Bytes(new
            {
                sightingId = Guid.NewGuid().ToString("N"),
                branchId,
                cameraId = "door",
                trackId = track,
                capturedAt = DateTimeOffset.UtcNow,
                image = Convert.ToBase64String(FakeRekognition.FaceJpeg(person, variant: round)),
            });
            await DeliverAsync(http, branchId, person, body, ct);
            accepted++;
        }
        return accepted;
    }

    /// <summary>Sends one sighting until it is accepted, as the edge agent's delivery loop does.</summary>
    private async Task DeliverAsync(HttpClient http, string branchId, string person, byte[] body, CancellationToken ct)
    {
        var delay = FirstRetryDelay;
        var giveUp = _clock.Elapsed + TimeSpan.FromMinutes(2);
        while (true)
        {
            var sentAt = _clock.Elapsed;
            var (status, error, answer) = await SendAsync(http, body, ct);
            _attempts.Enqueue(new Attempt(branchId, sentAt, _clock.Elapsed, status, error));
            if (status == 200)
            {
                if (answer is { VisitorId: { } visitor, VisitId: { } visit })
                {
                    _answers.GetOrAdd(person, _ => new())[(visitor, visit)] = 0;
                }
                return;
            }
            Assert.True(WouldRetry(status), $"the silo answered a sighting of {branchId} with {status} ({error}): the edge agent drops it");
            Assert.True(_clock.Elapsed < giveUp, $"a sighting of {branchId} was not accepted within 2 minutes; last answer {status} ({error})");
            await Task.Delay(delay, ct);
            delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, MaxRetryDelay.Ticks));
        }
    }

    private async Task<(int Status, string? Error, Answer? Answer)> SendAsync(HttpClient http, byte[] body, CancellationToken ct)
    {
        if (front.Next() is not { } silo)
        {
            return (0, "no silo ready", null);
        }
        try
        {
            using var content = new ByteArrayContent(body);
            content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
            using var response = await http.PostAsync(new Uri(silo, "api/v1/sightings"), content, ct);
            if (response.StatusCode == HttpStatusCode.OK)
            {
                return (200, null, await response.Content.ReadFromJsonAsync<Answer>(ct));
            }
            var text = await response.Content.ReadAsStringAsync(ct);
            return ((int)response.StatusCode, text.Length > 200 ? text[..200] : text, null);
        }
        catch (Exception failure) when (failure is HttpRequestException or TaskCanceledException && !ct.IsCancellationRequested)
        {
            return (0, $"{failure.GetType().Name}: {failure.Message}", null);
        }
    }

    /// <summary>What the edge agent keeps and sends again (SiloClient.Classify): all but the 4xx that can never succeed.</summary>
    public static bool WouldRetry(int status) => status is 0 or 401 or 403 or 408 or 429 or >= 500;

    private sealed record Answer(string SightingId, string? VisitorId, string? VisitId, string Outcome);
}
