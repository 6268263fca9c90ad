using NextGenCrm.Ports;

namespace NextGenCrm.Silo.Security;

/// <summary>
/// Audits an endpoint that changes personal data (an enrolment, an erasure) after it answered: the entry names the
/// customer or visitor from the route or the answer, and the status. When the entry cannot be written the caller
/// gets 503 instead of the answer; repeating the request is safe (enrolment and erasure are idempotent) and audited.
/// </summary>
public static class AuditFilters
{
    public static TBuilder Audited<TBuilder>(this TBuilder endpoint, string action, Func<HttpContext, object?, AuditTrail, int, IEnumerable<AuditEntry>>? entries = null)
        where TBuilder : IEndpointConventionBuilder =>
        endpoint.AddEndpointFilter(async (context, next) =>
        {
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
        });

    private static AuditEntry Default(HttpContext http, object? value, AuditTrail audit, string action, int status)
    {
        var customerId = http.GetRouteValue("customerId") as string ?? (value as Apis.EnrolmentResponse)?.CustomerId;
        var visitorId = http.GetRouteValue("visitorId") as string ?? (value as Apis.EnrolmentResponse)?.VisitorId;
        return audit.Entry(http, action, status, visitorId: visitorId, customerId: customerId, detail: Apis.Consent.Noted(http) ?? (action == AuditTrail.Actions.EraseCustomer ? "consent withdrawn: the customer is erased" : null));
    }
}
