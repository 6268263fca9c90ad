using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using NextGenCrm.Ports;

namespace NextGenCrm.Integrations.Appian;

/// <summary>
/// Creates the visit's task through the Appian Web API. The visit id travels as the
/// <c>Idempotency-Key</c> header so that a retry after a lost acknowledgement does not make a
/// second task. 5xx, 429 and timeouts are retried with jittered backoff (429 and 503 honour
/// Retry-After) by the client's handler (<see cref="AppianResilience"/>). 401, 403, 404 and a 429 that outlasts those retries are not the task's fault and surface
/// as <see cref="DeliveryBlockedException"/> (the outbox tries again later); any other 4xx is final and
/// surfaces as <see cref="PermanentDeliveryException"/>.
/// </summary>
public sealed partial class AppianTaskAssigner : ITaskAssigner
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private readonly HttpClient _http;
    private readonly AppianOptions _options;
    private readonly Uri _taskUri;
    private readonly ILogger<AppianTaskAssigner> _logger;

    /// <param name="http">A client whose handler holds <see cref="AppianResilience"/>'s retry and timeout
    /// (<see cref="AppianRegistration.AddAppianTaskAssigner"/>, or <see cref="AppianResilience.CreateClient"/>).</param>
    public AppianTaskAssigner(HttpClient http, IOptions<AppianOptions> options, ILogger<AppianTaskAssigner> logger)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(options);
        _http = http;
        _options = options.Value;
        _taskUri = _options.TaskUri ?? throw new OptionsValidationException(
            AppianOptions.SectionName, typeof(AppianOptions), [$"{AppianOptions.SectionName}:BaseUrl must be an absolute http(s) URL."]);
        _logger = logger;
    }

    public async Task<TaskReceipt> AssignAsync(TaskAssignment assignment, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(assignment);
        var body = new AppianTaskRequest(
            assignment.VisitId,
            assignment.CustomerId,
            assignment.CustomerName,
            assignment.BranchId,
            assignment.ImageUrl?.AbsoluteUri,
            assignment.AssignTo == StaffRole.Sales ? "sales" : "customer-service");

        using var span = VisitTracing.StartCall("appian", "CreateTask");
        span?.SetTag("nextgencrm.visit_id", assignment.VisitId);
        using var request = new HttpRequestMessage(HttpMethod.Post, _taskUri)
        {
            // JsonContent serialises again for each attempt the handler makes.
            Content = JsonContent.Create(body, options: Json),
        };
        request.Headers.Add("Appian-API-Key", _options.ApiKey);
        request.Headers.Add("Idempotency-Key", assignment.VisitId);
        HttpResponseMessage sent;
        try
        {
            sent = await _http.SendAsync(request, HttpCompletionOption.ResponseContentRead, cancellationToken);
        }
        catch (Exception failure)
        {
            span.Failed(failure);
            throw;
        }
        using var response = sent;
        span?.SetTag("http.response.status_code", (int)response.StatusCode);

        // 409: Appian already holds a task under this idempotency key, i.e. an earlier attempt landed.
        if (response.IsSuccessStatusCode || response.StatusCode == HttpStatusCode.Conflict)
        {
            var taskId = await ReadTaskIdAsync(response, cancellationToken);
            LogAssigned(assignment.VisitId, (int)response.StatusCode, body.AssignTo);
            return new TaskReceipt(taskId);
        }

        var status = (int)response.StatusCode;
        if (IsBlocked(response.StatusCode))
        {
            // Our key, its rights, the endpoint or the rate limit: not the visit's fault, so not final.
            LogBlocked(assignment.VisitId, status);
            throw new DeliveryBlockedException(
                "appian", status.ToString(System.Globalization.CultureInfo.InvariantCulture),
                $"Appian did not take the task for visit {assignment.VisitId}: {status} {response.ReasonPhrase}");
        }
        if (AppianResilience.IsTransient(response.StatusCode))
        {
            // Retries are spent: the outbox keeps the task pending and tries again later.
            throw new HttpRequestException(
                $"Appian did not accept the task for visit {assignment.VisitId} after {_options.MaxRetryAttempts + 1} attempts: {status} {response.ReasonPhrase}",
                null,
                response.StatusCode);
        }

        LogRefused(assignment.VisitId, status);
        // The reason phrase only: Appian's error body may echo the customer's name.
        throw new PermanentDeliveryException($"Appian refused the task for visit {assignment.VisitId}: {status} {response.ReasonPhrase}");
    }

    /// <summary>Refusals that say nothing about the task itself: Appian will take it once an operator mends the cause.</summary>
    private static bool IsBlocked(HttpStatusCode status) =>
        status is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden or HttpStatusCode.NotFound or HttpStatusCode.TooManyRequests;

    private static async Task<string?> ReadTaskIdAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        if (response.Content.Headers.ContentType?.MediaType?.Contains("json", StringComparison.OrdinalIgnoreCase) != true)
        {
            return null;
        }
        try
        {
            using var document = await JsonDocument.ParseAsync(await response.Content.ReadAsStreamAsync(cancellationToken), cancellationToken: cancellationToken);
            if (document.RootElement.ValueKind == JsonValueKind.Object && document.RootElement.TryGetProperty("taskId", out var id))
            {
                return id.ValueKind switch
                {
                    JsonValueKind.String => id.GetString(),
                    JsonValueKind.Number => id.GetRawText(),
                    _ => null,
                };
            }
        }
        catch (JsonException)
        {
            // The task exists; only its id is unreadable.
        }
        return null;
    }

    private sealed record AppianTaskRequest(
        string VisitId, string? CustomerId, string? CustomerName, string BranchId, string? ImageUrl, string AssignTo);

    [LoggerMessage(Level = LogLevel.Information, Message = "Appian task for visit {VisitId} delivered ({StatusCode}, assign to {AssignTo})")]
    private partial void LogAssigned(string visitId, int statusCode, string assignTo);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Appian refused the task for visit {VisitId} with {StatusCode}; not retrying")]
    private partial void LogRefused(string visitId, int statusCode);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Appian did not take the task for visit {VisitId} ({StatusCode}): key, rights, endpoint or rate limit; the outbox tries again")]
    private partial void LogBlocked(string visitId, int statusCode);

}
