using Microsoft.AspNetCore.Mvc;
using System.Text.Json;
using NextGenCrm.Contracts;
using NextGenCrm.Ports;
using Microsoft.Extensions.Options;
using NextGenCrm.Silo.Apis.Contracts;
using NextGenCrm.Silo.Apis.Http;
using NextGenCrm.Silo.Configuration;
using NextGenCrm.Silo.Ingest;
using NextGenCrm.Silo.Security;

namespace NextGenCrm.Silo.Apis;

public static partial class SightingsApi
{
    public static IEndpointRouteBuilder MapSightingsApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/v1/sightings").WithTags("Sightings").RequireAuthorization(Policies.Edge)
            .RequireRateLimiting(RateLimitOptions.Sightings);
        api.MapPost("/", RecordAsync)
            .WithSummary("Records one sighting of a face by a branch camera.")
            .WithRequestSizeLimit(app.ServiceProvider, services => services.GetRequiredService<IOptions<IngestOptions>>().Value.MaxSightingBodyBytes)
            .WithValidationTitle("The sighting is not valid")
            .Produces<SightingResponse>()
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        api.MapPost("/batch", RecordBatchAsync)
            .WithSummary("Records up to Ingest:MaxBatchSize sightings (an edge agent draining its buffer); one result per item.")
            .WithRequestSizeLimit(app.ServiceProvider, services => services.GetRequiredService<IOptions<IngestOptions>>().Value.MaxBatchBodyBytes)
            .Produces<BatchResponse>()
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge);
        return app;
    }

    private static async Task<IResult> RecordAsync([FromBody] SightingRequest body, [AsParameters] SightingCallServices services)
    {
        var (validator, ingest, _, audit, branches, loggers, http, cancellationToken, home) = services;
        if (!validator.TryValidate(body, out var sighting, out var errors))
        {
            return TypedResults.ValidationProblem(errors, title: "The sighting is not valid");
        }
        if (branches.Refusal(http.Caller(), sighting.BranchId, sighting.CameraId) is { } refusal)
        {
            await audit.TryWriteAsync(audit.Entry(http, AuditTrail.Actions.Refused, StatusCodes.Status403Forbidden, sighting.BranchId, detail: refusal));
            return TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden, title: "Forbidden", detail: refusal);
        }
        SightingResult result;
        try
        {
            result = await ingest.RecordAsync(sighting, cancellationToken);
        }
        catch (UnprocessableSightingException unusable)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status422UnprocessableEntity, title: "The sighting's face cannot be used", detail: unusable.Message);
        }
        catch (Exception failure) when (failure is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            LogNotRecorded(loggers.CreateLogger(typeof(SightingsApi)), sighting.SightingId, failure.GetType().Name);
            return Unavailable();
        }
        if (result.VisitorId is not null)
        {
            try
            {
                await audit.WriteAsync(Identification(http, audit, sighting, result), CancellationToken.None);
            }
            catch (Exception failure) when (failure is not OutOfMemoryException)
            {
                // Unaudited, unanswered: the agent sends it again and the camera answers the repeat from its memory.
                LogNotRecorded(loggers.CreateLogger(typeof(SightingsApi)), sighting.SightingId, $"audit: {failure.GetType().Name}");
                return AuditTrail.NotAudited();
            }
        }
        await home.TellAsync(http.Response, sighting.CameraKey);
        return TypedResults.Ok(new SightingResponse(result.SightingId, result.VisitorId, result.VisitId, result.Outcome));
    }

    private static AuditEntry Identification(HttpContext http, AuditTrail audit, Sighting sighting, SightingResult result) =>
        audit.Entry(http, AuditTrail.Actions.Identification, StatusCodes.Status200OK, sighting.BranchId, result.VisitorId,
            detail: $"camera {sighting.CameraId}, sighting {sighting.SightingId}, visit {result.VisitId}");

    private static async Task<IResult> RecordBatchAsync([FromBody] SightingBatchRequest body, [AsParameters] SightingCallServices services)
    {
        var (validator, ingest, limits, audit, branches, loggers, http, _, home) = services;
        if (body.Sightings is not { Count: > 0 } items)
        {
            return TypedResults.Problem(statusCode: 400, title: "Malformed request", detail: "sightings must be a non-empty array.");
        }
        if (items.Count > limits.Value.MaxBatchSize)
        {
            return TypedResults.Problem(statusCode: 400, title: "Batch too large", detail: $"A batch holds at most {limits.Value.MaxBatchSize} sightings; this one has {items.Count}.");
        }
        var logger = loggers.CreateLogger(typeof(SightingsApi));
        var caller = http.Caller();
        var results = new BatchItemResult[items.Count];
        var sightings = new List<(int Index, Sighting Sighting)>(items.Count);
        for (var index = 0; index < items.Count; index++)
        {
            if (Validate(items[index], index, validator, out var sighting) is { } refused)
            {
                results[index] = refused;
            }
            else if (branches.Refusal(caller, sighting.BranchId, sighting.CameraId) is { } refusal)
            {
                results[index] = new BatchItemResult(index, 403, sighting.SightingId, Error: refusal);
            }
            else
            {
                sightings.Add((index, sighting));
            }
        }
        // Each camera's items in one grain call, in capture order (SightingIngest.RecordBatchAsync).
        var outcomes = await ingest.RecordBatchAsync([.. sightings.Select(s => s.Sighting)]);
        for (var k = 0; k < sightings.Count; k++)
        {
            results[sightings[k].Index] = ItemResult(sightings[k].Index, sightings[k].Sighting, outcomes[k], logger);
        }
        await AuditBatchAsync(http, audit, sightings, results, logger);
        if (sightings.Count > 0)
        {
            await home.TellAsync(http.Response, sightings[0].Sighting.CameraKey); // a branch's cameras live together
        }
        return TypedResults.Ok(new BatchResponse(results));
    }

    /// <summary>One write for the batch's identifications and refusals; items whose identification it could not record become 503.</summary>
    private static async Task AuditBatchAsync(
        HttpContext http, AuditTrail audit, List<(int Index, Sighting Sighting)> sightings, BatchItemResult[] results, ILogger logger)
    {
        var identified = sightings.Where(s => results[s.Index] is { Status: 200, VisitorId: not null }).ToList();
        var entries = identified.Select(s => audit.Entry(http, AuditTrail.Actions.Identification, 200, s.Sighting.BranchId, results[s.Index].VisitorId,
            detail: $"camera {s.Sighting.CameraId}, sighting {s.Sighting.SightingId}, visit {results[s.Index].VisitId}")).ToList();
        entries.AddRange(results.Where(r => r.Status == 403).Select(r =>
            audit.Entry(http, AuditTrail.Actions.Refused, 403, detail: $"batch item {r.Index}: {r.Error}")));
        if (entries.Count == 0)
        {
            return;
        }
        try
        {
            await audit.WriteAsync(entries, CancellationToken.None);
        }
        catch (Exception failure) when (failure is not OutOfMemoryException)
        {
            foreach (var (index, sighting) in identified)
            {
                LogNotRecorded(logger, sighting.SightingId, $"audit: {failure.GetType().Name}");
                results[index] = new BatchItemResult(index, 503, sighting.SightingId, Error: "Not answered: the audit log could not record it; send it again.");
            }
        }
    }

    /// <summary>The item as a sighting, or the result that refuses it.</summary>
    private static BatchItemResult? Validate(JsonElement item, int index, SightingValidator validator, out Sighting sighting)
    {
        sighting = null!;
        SightingRequest? request;
        try
        {
            request = item.Deserialize<SightingRequest>(JsonBody.Strict);
        }
        catch (JsonException invalid)
        {
            return new BatchItemResult(index, 400, Error: JsonBody.Describe(invalid));
        }
        if (request is null)
        {
            return new BatchItemResult(index, 400, Error: "The item is JSON null; a sighting object is required.");
        }
        if (!validator.TryValidate(request, out sighting, out var errors))
        {
            return new BatchItemResult(index, 400, request.SightingId, Error: "The sighting is not valid.", Errors: errors);
        }
        return null;
    }

    private static BatchItemResult ItemResult(int index, Sighting sighting, BatchIngestOutcome outcome, ILogger logger)
    {
        if (outcome.Result is { } result)
        {
            return new BatchItemResult(index, 200, result.SightingId, result.VisitorId, result.VisitId, result.Outcome);
        }
        if (outcome.Unusable is { } problem)
        {
            return new BatchItemResult(index, 422, sighting.SightingId, Error: problem);
        }
        LogNotRecorded(logger, sighting.SightingId, outcome.NotRecorded ?? "unknown");
        return new BatchItemResult(index, 503, sighting.SightingId, Error: "Not recorded; send it again.");
    }

    private static IResult Unavailable() => TypedResults.Problem(
        statusCode: StatusCodes.Status503ServiceUnavailable,
        title: "Sighting not recorded",
        detail: "The cluster could not record the sighting; nothing was kept. Send it again.",
        extensions: new Dictionary<string, object?> { ["retryAfterSeconds"] = 1 });

    [LoggerMessage(Level = LogLevel.Warning, Message = "Sighting {SightingId} not recorded: {Error}")]
    private static partial void LogNotRecorded(ILogger logger, string sightingId, string error);
}

/// <summary>What the sighting endpoints need besides their body: bound with [AsParameters].</summary>
public sealed record SightingCallServices(
    SightingValidator Validator, SightingIngest Ingest, IOptions<IngestOptions> Limits, AuditTrail Audit, BranchRegistry Branches,
    ILoggerFactory Loggers, HttpContext Http, CancellationToken Aborted, BranchHome Home);
