using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace NextGenCrm.TestSupport;

/// <summary>
/// A loopback stand-in for the Appian Web API task endpoint. It checks what Appian checks (the
/// <c>Appian-API-Key</c> header, a JSON body of the agreed shape, the idempotency key), keeps one
/// task per visit id, and can be told to be down (503), slow, or to reject (400).
/// </summary>
public sealed class FakeAppian : IAsyncDisposable
{
    private static readonly string[] Roles = ["customer-service", "sales"];
    private readonly ConcurrentDictionary<string, AppianTask> _tasks = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, int> _requestsByKey = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, int> _acceptedByVisit = new(StringComparer.Ordinal);
    private readonly WebApplication _app;
    private int _requests;
    private int _failNext;
    private long _downUntilTicks;

    private FakeAppian(WebApplication app, Uri baseUrl, string apiKey, string endpoint)
    {
        _app = app;
        BaseUrl = baseUrl;
        ApiKey = apiKey;
        Endpoint = endpoint;
    }

    public Uri BaseUrl { get; }
    public string ApiKey { get; }
    public string Endpoint { get; }

    /// <summary>Every request that reached the endpoint, accepted or not.</summary>
    public int Requests => Volatile.Read(ref _requests);

    /// <summary>Tasks by visit id; a repeated idempotency key does not add a second one.</summary>
    public IReadOnlyDictionary<string, AppianTask> Tasks => _tasks;

    /// <summary>Requests that carried <paramref name="visitId"/> as their Idempotency-Key, accepted or not.</summary>
    public int RequestsFor(string visitId) => _requestsByKey.GetValueOrDefault(visitId);

    /// <summary>
    /// Successful answers (201 new, 200 replay) given for <paramref name="visitId"/>: more than one means the
    /// task was delivered again, which only the idempotency key kept from becoming a second task.
    /// </summary>
    public int AcceptedFor(string visitId) => _acceptedByVisit.GetValueOrDefault(visitId);

    /// <summary>Time taken before answering each request.</summary>
    public TimeSpan Delay { get; set; }

    /// <summary>Answers every request with 400 (a payload Appian will never take).</summary>
    public bool RejectAll { get; set; }

    /// <summary>
    /// Answers every request with this status, as Appian does when the key is revoked (401), lacks the rights (403),
    /// the web API is unpublished (404) or the rate limit is hit (429); null answers normally.
    /// </summary>
    public int? RefuseWith { get; set; }

    /// <summary>Retry-After seconds sent with 503 answers; null sends none.</summary>
    public int? RetryAfterSeconds { get; set; }

    /// <summary>Answers 503 until <paramref name="duration"/> has passed.</summary>
    public void BeDownFor(TimeSpan duration) =>
        Interlocked.Exchange(ref _downUntilTicks, DateTime.UtcNow.Add(duration).Ticks);

    /// <summary>Answers the next <paramref name="count"/> requests with 503.</summary>
    public void FailNext(int count) => Interlocked.Exchange(ref _failNext, count);

    public static async Task<FakeAppian> StartAsync(string apiKey = "test-appian-key", string endpoint = "suite/webapi/visitor-task", CancellationToken cancellationToken = default)
    {
        FakeAppian? fake = null;
        var (app, baseUrl) = await LoopbackServer.StartAsync(
            web => web.MapPost("/" + endpoint, (Func<HttpContext, Task<IResult>>)(context => fake!.HandleAsync(context))),
            cancellationToken);
        fake = new FakeAppian(app, baseUrl, apiKey, endpoint);
        return fake;
    }

    private async Task<IResult> HandleAsync(HttpContext context)
    {
        Interlocked.Increment(ref _requests);
        var idempotencyKey = context.Request.Headers["Idempotency-Key"].ToString();
        _requestsByKey.AddOrUpdate(idempotencyKey, 1, (_, n) => n + 1);
        if (Delay > TimeSpan.Zero)
        {
            await Task.Delay(Delay, context.RequestAborted);
        }
        if (!string.Equals(context.Request.Headers["Appian-API-Key"], ApiKey, StringComparison.Ordinal))
        {
            return Results.Problem("invalid API key", statusCode: 401);
        }
        if (RefuseWith is { } refusal)
        {
            return Results.Problem("refused", statusCode: refusal);
        }
        if (DateTime.UtcNow.Ticks < Interlocked.Read(ref _downUntilTicks) || TryTakeFailure())
        {
            if (RetryAfterSeconds is { } seconds)
            {
                context.Response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
            }
            return Results.StatusCode(503);
        }
        if (RejectAll)
        {
            return Results.Problem("The task payload was rejected", statusCode: 400);
        }
        if (context.Request.ContentType?.StartsWith("application/json", StringComparison.OrdinalIgnoreCase) != true)
        {
            return Results.Problem("Content-Type must be application/json", statusCode: 415);
        }

        JsonDocument document;
        try
        {
            document = await JsonDocument.ParseAsync(context.Request.Body, cancellationToken: context.RequestAborted);
        }
        catch (JsonException)
        {
            return Results.Problem("body is not JSON", statusCode: 400);
        }
        using (document)
        {
            if (!TryReadTask(document.RootElement, out var task, out var problem))
            {
                return Results.Problem(problem, statusCode: 400);
            }
            if (!string.Equals(context.Request.Headers["Idempotency-Key"], task.VisitId, StringComparison.Ordinal))
            {
                return Results.Problem("Idempotency-Key must carry the visitId", statusCode: 400);
            }
            var stored = _tasks.GetOrAdd(task.VisitId, task);
            _acceptedByVisit.AddOrUpdate(task.VisitId, 1, (_, n) => n + 1);
            return Results.Json(new { taskId = stored.TaskId }, statusCode: ReferenceEquals(stored, task) ? 201 : 200);
        }
    }

    private bool TryTakeFailure()
    {
        while (true)
        {
            var left = Volatile.Read(ref _failNext);
            if (left <= 0)
            {
                return false;
            }
            if (Interlocked.CompareExchange(ref _failNext, left - 1, left) == left)
            {
                return true;
            }
        }
    }

    private static bool TryReadTask(JsonElement body, out AppianTask task, out string problem)
    {
        task = null!;
        problem = "";
        if (body.ValueKind != JsonValueKind.Object)
        {
            problem = "body must be an object";
            return false;
        }
        string[] known = ["visitId", "customerId", "customerName", "branchId", "imageUrl", "assignTo"];
        var unknown = body.EnumerateObject().Select(p => p.Name).Except(known, StringComparer.Ordinal).FirstOrDefault();
        if (unknown is not null)
        {
            problem = $"unknown field {unknown}";
            return false;
        }
        string? Text(string name) => body.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
        bool NullOrText(string name) => !body.TryGetProperty(name, out var v) || v.ValueKind is JsonValueKind.String or JsonValueKind.Null;

        var visitId = Text("visitId");
        var branchId = Text("branchId");
        var assignTo = Text("assignTo");
        if (string.IsNullOrEmpty(visitId) || string.IsNullOrEmpty(branchId))
        {
            problem = "visitId and branchId are required strings";
            return false;
        }
        if (assignTo is null || !Roles.Contains(assignTo))
        {
            problem = "assignTo must be customer-service or sales";
            return false;
        }
        if (!NullOrText("customerId") || !NullOrText("customerName") || !NullOrText("imageUrl"))
        {
            problem = "customerId, customerName and imageUrl must be strings or null";
            return false;
        }
        var imageUrl = Text("imageUrl");
        if (imageUrl is not null && !Uri.TryCreate(imageUrl, UriKind.Absolute, out _))
        {
            problem = "imageUrl must be an absolute URL";
            return false;
        }
        task = new AppianTask("task-" + Guid.NewGuid().ToString("N")[..12], visitId, Text("customerId"), Text("customerName"), branchId, imageUrl, assignTo);
        return true;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}

/// <summary>A task as the fake Appian recorded it.</summary>
public sealed record AppianTask(string TaskId, string VisitId, string? CustomerId, string? CustomerName, string BranchId, string? ImageUrl, string AssignTo);
