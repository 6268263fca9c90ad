using NextGenCrm.Ports;

namespace NextGenCrm.Silo.Security;

/// <summary>
/// Audits an endpoint that changes personal data (an enrolment, an erasure): an entry "{action}-requested" before it
/// runs (unwritten, the request is answered 503 and nothing changes), then the outcome, naming the customer or visitor
/// from the route or the answer, with the status. An outcome entry that cannot be written turns the answer into 503;
/// the change is on record through the request entry, and repeating the request is safe (enrolment and erasure are
/// idempotent).
/// </summary>
public static class AuditFilters
{
    public static TBuilder Audited<TBuilder>(this TBuilder endpoint, string action, Func<HttpContext, object?, AuditTrail, int, IEnumerable<AuditEntry>>? entries = null)
        where TBuilder : IEndpointConventionBuilder
    {
        endpoint.AddEndpointFilter((context, next) => AuditAsync(context, next, action, entries));
        // A request refused before the filter runs (minimal-API validation, binding) is on record too: once the endpoint's
        // delegate is built, it is wrapped to write the entries the filter did not.
        endpoint.Finally(builder =>
        {
            if (builder.RequestDelegate is not { } inner)
            {
                return;
            }
            builder.RequestDelegate = async http =>
            {
                try
                {
                    await inner(http);
                }
                catch (BadHttpRequestException refused)
                {
                    await RecordRefusalAsync(http, action, refused.StatusCode);
                    throw;
                }
                if (!http.Items.ContainsKey(AuditedKey))
                {
                    await RecordRefusalAsync(http, action, http.Response.StatusCode);
                }
            };
        });
        return endpoint;
    }

    private static readonly object AuditedKey = new();

    private static async Task RecordRefusalAsync(HttpContext http, string action, int status)
    {
        var audit = http.RequestServices.GetRequiredService<AuditTrail>();
        try
        {
            await audit.WriteAsync([
                audit.Entry(http, $"{action}-requested", 0, visitorId: http.GetRouteValue("visitorId") as string, customerId: http.GetRouteValue("customerId") as string),
                Default(http, null, audit, action, status)], CancellationToken.None);
        }
        catch (Exception failure) when (failure is not OutOfMemoryException)
        {
            // The refusal is answered already; nothing changed, so there is nothing to withhold.
            http.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(AuditFilters))
                .LogError("Audit entry {Action} of a refused request not written ({Error})", action, failure.GetType().Name);
        }
    }

    private static async ValueTask<object?> AuditAsync(
        EndpointFilterInvocationContext context, EndpointFilterDelegate next, string action, Func<HttpContext, object?, AuditTrail, int, IEnumerable<AuditEntry>>? entries)
        {
            var request = context.HttpContext;
            request.Items[AuditedKey] = true;
            var trail = request.RequestServices.GetRequiredService<AuditTrail>();
            try
            {
                await trail.WriteAsync(trail.Entry(request, $"{action}-requested", 0,
                    visitorId: request.GetRouteValue("visitorId") as string, customerId: request.GetRouteValue("customerId") as string), CancellationToken.None);
            }
            catch (Exception failure) when (failure is not OutOfMemoryException)
            {
                request.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(AuditFilters))
                    .LogError("Audit entry {Action} not written ({Error}); the request is refused", action, failure.GetType().Name);
                return AuditTrail.NotAudited();
            }
            var result = await next(context);
            var answered = result is INestedHttpResult nested ? nested.Result : result;
            var http = context.HttpContext;
            var audit = http.RequestServices.GetRequiredService<AuditTrail>();
            var status = (answered as IStatusCodeHttpResult)?.StatusCode ?? StatusCodes.Status200OK;
            var value = (answered as IValueHttpResult)?.Value;
            var written = entries?.Invoke(http, value, audit, status).ToList() ?? [Default(http, value, audit, action, status)];
            try
            {
                await audit.WriteAsync(written, CancellationToken.None);
            }
            catch (Exception failure) when (failure is not OutOfMemoryException)
            {
                http.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(AuditFilters))
                    .LogError("Audit entry {Action} not written ({Error}); the answer is withheld", action, failure.GetType().Name);
                return AuditTrail.NotAudited();
            }
            return result;
        }

    private static AuditEntry Default(HttpContext http, object? value, AuditTrail audit, string action, int status)
    {
        var customerId = http.GetRouteValue("customerId") as string ?? (value as Apis.Contracts.EnrolmentResponse)?.CustomerId;
        var visitorId = http.GetRouteValue("visitorId") as string ?? (value as Apis.Contracts.EnrolmentResponse)?.VisitorId;
        return audit.Entry(http, action, status, visitorId: visitorId, customerId: customerId, detail: Apis.Contracts.ConsentRules.Noted(http) ?? (action == AuditTrail.Actions.EraseCustomer ? "consent withdrawn: the customer is erased" : null));
    }
}
