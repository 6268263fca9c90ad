using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Policy;

namespace NextGenCrm.Silo.Security;

/// <summary>
/// Every request the authorization middleware refuses (401 without a valid token, 403 outside the caller's role or
/// branch) leaves an audit entry, then gets the usual challenge or forbid with a problem body.
/// </summary>
public sealed class RefusalAudit(AuditTrail audit) : IAuthorizationMiddlewareResultHandler
{
    private readonly AuthorizationMiddlewareResultHandler _default = new();

    public async Task HandleAsync(RequestDelegate next, HttpContext context, AuthorizationPolicy policy, PolicyAuthorizationResult authorizeResult)
    {
        if (authorizeResult.Challenged || authorizeResult.Forbidden)
        {
            var status = authorizeResult.Forbidden ? StatusCodes.Status403Forbidden : StatusCodes.Status401Unauthorized;
            var role = policy.Requirements.OfType<AccessRequirement>().FirstOrDefault()?.Role;
            await audit.TryWriteAsync(audit.Entry(context, AuditTrail.Actions.Refused, status,
                branchId: context.GetRouteValue("branchId") as string,
                detail: Truncate($"{context.Request.Method} {context.Request.Path}{(role is null ? "" : $" (needs {role})")}")));
        }
        await _default.HandleAsync(next, context, policy, authorizeResult);
    }

    // The path is the caller's to choose: its length is not.
    private static string Truncate(string detail) => detail.Length > 200 ? detail[..200] : detail;
}
