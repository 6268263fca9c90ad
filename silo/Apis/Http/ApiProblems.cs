using System.Diagnostics;
using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http.Metadata;
using NextGenCrm.Silo.Ingest;
using NextGenCrm.Silo.Security;

namespace NextGenCrm.Silo.Apis.Http;

/// <summary>
/// The one shape of every problem the API answers (RFC 9457 problem details, application/problem+json): what the
/// endpoints return, what validation refuses, what binding and the server refuse, and unhandled failures, all go
/// through <see cref="Customize"/>.
/// </summary>
public static class ApiProblems
{
    public const string ValidationTitle = "The request is not valid";

    /// <summary>The title of a refusal of an id in the route.</summary>
    public const string InvalidIdentifier = "Invalid identifier";

    /// <summary>Every problem carries the trace id; refusals of binding and of size get the endpoint's own words.</summary>
    public static void Customize(ProblemDetailsContext context)
    {
        var problem = context.ProblemDetails;
        var http = context.HttpContext;
        problem.Instance ??= http.Request.Path;
        problem.Extensions["traceId"] = Activity.Current?.Id ?? http.TraceIdentifier;
        if (context.Exception is { } failure && failure is not BadHttpRequestException && !http.Caller().IsAdmin)
        {
            // A failure's problem body tells an admin what broke; anyone else gets the status and title only.
            problem.Detail = null;
            problem.Extensions.Remove("exception");
        }
        var endpoint = http.GetEndpoint();
        switch (problem.Status)
        {
            case StatusCodes.Status400BadRequest when problem is HttpValidationProblemDetails && IsDefaultTitle(problem.Title):
                problem.Title = endpoint?.Metadata.GetMetadata<ValidationTitleMetadata>()?.Title ?? ValidationTitle;
                break;
            case StatusCodes.Status413PayloadTooLarge when problem.Detail is null:
                problem.Title = "Body too large";
                problem.Detail = endpoint?.Metadata.GetMetadata<IRequestSizeLimitMetadata>()?.MaxRequestBodySize is { } limit
                    ? $"The body is larger than {limit} bytes."
                    : "The body is larger than this endpoint accepts.";
                break;
            case StatusCodes.Status415UnsupportedMediaType when problem.Detail is null:
                problem.Title = "Unsupported media type";
                // Routing refuses a content type no endpoint of the path accepts before any endpoint runs.
                problem.Detail = http.Request.Path.StartsWithSegments("/api/v1/customers/import", StringComparison.Ordinal)
                    ? "Send the customers as text/csv."
                    : "Send the body as application/json.";
                break;
        }
    }

    /// <summary>The title a validation problem gets when the endpoint names none.</summary>
    public static TBuilder WithValidationTitle<TBuilder>(this TBuilder endpoint, string title) where TBuilder : IEndpointConventionBuilder =>
        endpoint.WithMetadata(new ValidationTitleMetadata(title));

    /// <summary>The refusal of an id outside the validated endpoints (the dashboard's event streams).</summary>
    public static ValidationProblem InvalidId(string field) => TypedResults.ValidationProblem(
        new Dictionary<string, string[]> { [field] = [SightingValidator.IdRule(field)] }, title: InvalidIdentifier);

    private static bool IsDefaultTitle(string? title) => title is null or "One or more validation errors occurred.";
}

public sealed record ValidationTitleMetadata(string Title);

/// <summary>
/// Refusals of binding (<see cref="RouteHandlerOptions.ThrowOnBadRequest"/>): a body that is not JSON, not the
/// request's shape, too deep, too large, or missing, as a problem naming what is wrong, never a 500.
/// </summary>
public sealed class BadRequestProblems(IProblemDetailsService problems) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext http, Exception exception, CancellationToken cancellationToken)
    {
        if (exception is not BadHttpRequestException bad || http.Response.HasStarted)
        {
            return false;
        }
        var (title, detail) = bad switch
        {
            { StatusCode: StatusCodes.Status413PayloadTooLarge or StatusCodes.Status415UnsupportedMediaType } => (null, null),
            { InnerException: JsonException json } => ("Malformed request", JsonBody.Describe(json)),
            _ when IsMissingBody(bad.Message) => ("Malformed request", "The body is empty or JSON null; a JSON object is required."),
            _ => ("Malformed request", bad.Message),
        };
        http.Response.StatusCode = bad.StatusCode;
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = http,
            Exception = exception,
            ProblemDetails = { Status = bad.StatusCode, Title = title, Detail = detail },
        });
    }

    /// <summary>Binding's words for a body that is empty or JSON null (a [FromBody] parameter, or one inferred as the body).</summary>
    private static bool IsMissingBody(string message) =>
        (message.StartsWith("Required parameter", StringComparison.Ordinal) && message.EndsWith("from body.", StringComparison.Ordinal))
        || message.StartsWith("Implicit body inferred", StringComparison.Ordinal);
}
