using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;
using NextGenCrm.Ports;
using NextGenCrm.Silo.Apis;
using NextGenCrm.Silo.Ingest;
using NextGenCrm.Silo.Security;

namespace NextGenCrm.Silo.Dashboard;

/// <summary>
/// Server-Sent Events of a branch (`/api/v1/branches/{branchId}/events`) and of every branch the caller reaches
/// (`/api/v1/branches/events`). A stream starts with the state now (event `snapshot`) or, when the browser sends
/// the Last-Event-ID it saw and the grain still holds what followed, with exactly the changes after it; then the
/// changes as they happen. Event ids are "{epoch}-{sequence}".
/// </summary>
public static partial class BranchEventsApi
{
    public static IEndpointRouteBuilder MapBranchEventsApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/v1/branches").WithTags("Branches");
        api.MapGet("/events", SummaryEventsAsync)
            .WithSummary("Live counts of every branch the caller reaches, with each one's peaks of the day (text/event-stream).")
            .RequireAuthorization(Policies.Staff)
            .RequireRateLimiting(Security.RateLimitOptions.Reads);
        api.MapGet("/{branchId}/events", BranchEventsAsync)
            .WithSummary("Live changes of one branch: visits opened, extended, closed, task status, camera health (text/event-stream).")
            .RequireAuthorization(Policies.StaffOfBranch)
            .RequireRateLimiting(Security.RateLimitOptions.Reads);
        return app;
    }

    private static async Task BranchEventsAsync(string branchId, HttpContext http, BranchFeeds feeds, AuditTrail audit,
        IOptions<DashboardOptions> options, IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions> json)
    {
        if (!SightingValidator.IsValidId(branchId))
        {
            await Apis.Http.ApiProblems.InvalidId("branchId").ExecuteAsync(http);
            return;
        }
        var branch = feeds.Grains.GetGrain<IBranchGrain>(branchId);
        var views = new BranchViews(http, audit, branchId, json.Value.SerializerOptions);
        using var client = feeds.JoinBranch(branchId, options.Value.ClientBuffer);
        await StreamAsync(http, client, options.Value, audit,
            async (epoch, sequence) =>
            {
                var page = await branch.GetFeed(epoch, sequence);
                return page.Snapshot is { } snapshot
                    ? ([views.Snapshot(snapshot)], snapshot.Epoch, snapshot.Sequence)
                    : ([.. page.Changes.Select(views.Change)], page.Changes.Count > 0 ? page.Changes[^1].Epoch : epoch,
                        page.Changes.Count > 0 ? page.Changes[^1].Sequence : sequence);
            },
            views.Change);
    }

    private static async Task SummaryEventsAsync(HttpContext http, BranchFeeds feeds, AuditTrail audit,
        IOptions<DashboardOptions> options, IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions> json)
    {
        var caller = http.Caller();
        var index = feeds.Grains.GetGrain<IBranchIndexGrain>(IBranchIndexGrain.Key);
        var serializer = json.Value.SerializerOptions;
        using var client = feeds.JoinSummary(options.Value.ClientBuffer);
        await StreamAsync(http, client, options.Value, audit,
            async (epoch, sequence) =>
            {
                var page = await index.GetSummaryFeed(epoch, sequence);
                if (page.Snapshot is { } snapshot)
                {
                    var branches = snapshot.Branches.Where(b => caller.Reaches(b.BranchId)).ToList();
                    return ([new SseEvent(Id(snapshot.Epoch, snapshot.Sequence), "snapshot", JsonSerializer.Serialize(new { branches }, serializer), [])],
                        snapshot.Epoch, snapshot.Sequence);
                }
                return ([.. page.Changes.Select(c => SummaryChange(c, caller, serializer)).OfType<SseEvent>()],
                    page.Changes.Count > 0 ? page.Changes[^1].Epoch : epoch, page.Changes.Count > 0 ? page.Changes[^1].Sequence : sequence);
            },
            change => SummaryChange(change, caller, serializer));
    }

    private static SseEvent? SummaryChange(BranchSummaryChange change, Caller caller, JsonSerializerOptions serializer) =>
        caller.Reaches(change.Branch.BranchId)
            ? new SseEvent(Id(change.Epoch, change.Sequence), "branch", JsonSerializer.Serialize(change.Branch, serializer), [])
            : null;

    /// <summary>
    /// Joined first, read second: the buffer takes every change from the moment the grain knows of this silo, and the
    /// page read after it covers everything before; changes the page already covered are skipped, and a gap (an
    /// observer call lost, a grain reactivated) is filled by reading the grain again.
    /// </summary>
    private static DateTimeOffset? TokenExpiry(HttpContext http) =>
        long.TryParse(http.User.FindFirst("exp")?.Value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var seconds)
            ? DateTimeOffset.FromUnixTimeSeconds(seconds)
            : null;

    private static async Task StreamAsync<TChange>(HttpContext http, FeedClient<TChange> client, DashboardOptions options, AuditTrail audit,
        Func<long, long, Task<(IReadOnlyList<SseEvent> Events, long Epoch, long Sequence)>> readSince, Func<TChange, SseEvent?> render)
        where TChange : class, IFeedItem
    {
        var (epoch, sequence) = LastEventId(http.Request.Headers["Last-Event-ID"]);
        IReadOnlyList<SseEvent> first;
        try
        {
            await client.Ready;
            (first, epoch, sequence) = await readSince(epoch, sequence);
            await AuditAsync(audit, first);
        }
        catch (Exception failure) when (failure is not OutOfMemoryException && !http.RequestAborted.IsCancellationRequested)
        {
            // Not subscribed, not read, or a name shown without its audit entry: nothing is streamed.
            await TypedResults.Problem(statusCode: StatusCodes.Status503ServiceUnavailable, title: "The live feed is not available now; try again").ExecuteAsync(http);
            return;
        }

        http.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
        http.Response.ContentType = "text/event-stream";
        http.Response.Headers.CacheControl = "no-cache, no-store";
        http.Response.Headers["X-Accel-Buffering"] = "no";
        // Authorised once, when the stream opened: it ends when the token (or the session cookie holding it) expires,
        // so the browser reconnects and is authorised again (a key retired meanwhile, a branch taken away).
        using var session = CancellationTokenSource.CreateLinkedTokenSource(http.RequestAborted);
        if (TokenExpiry(http) is { } expires)
        {
            session.CancelAfter(expires - DateTimeOffset.UtcNow is var left && left > TimeSpan.Zero ? left : TimeSpan.Zero);
        }
        var aborted = session.Token;
        var output = new StringBuilder("retry: 1000\n\n");
        Append(output, first);
        try
        {
            await http.Response.WriteAsync(output.ToString(), aborted);
            await http.Response.Body.FlushAsync(aborted);
            var reader = client.Changes;
            var batch = new List<SseEvent>();
            while (true)
            {
                using var idle = CancellationTokenSource.CreateLinkedTokenSource(aborted);
                idle.CancelAfter(options.KeepAliveEvery);
                bool more;
                try
                {
                    more = await reader.WaitToReadAsync(idle.Token);
                }
                catch (OperationCanceledException) when (!aborted.IsCancellationRequested)
                {
                    await http.Response.WriteAsync(": keep-alive\n\n", aborted);
                    await http.Response.Body.FlushAsync(aborted);
                    continue;
                }
                if (!more)
                {
                    return; // dropped for falling behind, or the silo stops: the browser reconnects with its Last-Event-ID
                }
                batch.Clear();
                while (reader.TryRead(out var change))
                {
                    if (change.Epoch == epoch && change.Sequence <= sequence)
                    {
                        continue; // already covered by the page read at the start
                    }
                    if (change.Epoch != epoch || change.Sequence != sequence + 1)
                    {
                        // A gap: read what the grain holds after the last change sent (perhaps a snapshot), then carry on.
                        var (missed, e, s) = await readSince(epoch, sequence);
                        batch.AddRange(missed);
                        (epoch, sequence) = (e, s);
                        continue;
                    }
                    if (render(change) is { } shown)
                    {
                        batch.Add(shown);
                    }
                    (epoch, sequence) = (change.Epoch, change.Sequence);
                }
                if (batch.Count == 0)
                {
                    continue;
                }
                await AuditAsync(audit, batch);
                output.Clear();
                Append(output, batch);
                await http.Response.WriteAsync(output.ToString(), aborted);
                await http.Response.Body.FlushAsync(aborted);
            }
        }
        catch (OperationCanceledException) when (aborted.IsCancellationRequested)
        {
            // The browser went away.
        }
        catch (Exception failure) when (failure is not OutOfMemoryException)
        {
            // Mid-stream (an audit entry not written, the grain unreachable): end it; the browser resumes from its last id.
            http.Abort();
        }
    }

    private static Task AuditAsync(AuditTrail audit, IReadOnlyList<SseEvent> events)
    {
        var entries = events.SelectMany(e => e.Audit).ToList();
        return entries.Count == 0 ? Task.CompletedTask : audit.WriteAsync(entries, CancellationToken.None);
    }

    private static void Append(StringBuilder output, IEnumerable<SseEvent> events)
    {
        foreach (var e in events)
        {
            output.Append("id: ").Append(e.Id).Append('\n')
                .Append("event: ").Append(e.Type).Append('\n')
                .Append("data: ").Append(e.Data).Append("\n\n");
        }
    }

    internal static string Id(long epoch, long sequence) => string.Create(CultureInfo.InvariantCulture, $"{epoch}-{sequence}");

    /// <summary>"{epoch}-{sequence}" as sent; anything else (or nothing) asks for a snapshot.</summary>
    internal static (long Epoch, long Sequence) LastEventId(string? value)
    {
        if (value is { Length: > 0 and < 64 } && value.Split('-') is [var e, var s]
            && long.TryParse(e, NumberStyles.None, CultureInfo.InvariantCulture, out var epoch)
            && long.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out var sequence))
        {
            return (epoch, sequence);
        }
        return (0, 0);
    }
}

/// <summary>One event of a stream, with the audit entries for the names it shows.</summary>
internal sealed record SseEvent(string Id, string Type, string Data, IReadOnlyList<AuditEntry> Audit);
