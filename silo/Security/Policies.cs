using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.Options;

namespace NextGenCrm.Silo.Security;

/// <summary>The API's authorization policies: a role, and for some the branch named in the route.</summary>
public static class Policies
{
    public const string Edge = "edge";
    public const string EdgeOfBranch = "edge-of-branch";
    public const string Staff = "staff";
    public const string StaffOfBranch = "staff-of-branch";
    public const string Enrolment = "enrolment";
    public const string Privacy = "privacy";
    public const string Admin = "admin";

    public static void Add(AuthorizationOptions options)
    {
        Add(options, Edge, Roles.Edge, branchFromRoute: false);
        Add(options, EdgeOfBranch, Roles.Edge, branchFromRoute: true);
        Add(options, Staff, Roles.Staff, branchFromRoute: false);
        Add(options, StaffOfBranch, Roles.Staff, branchFromRoute: true);
        Add(options, Enrolment, Roles.Enrolment, branchFromRoute: false);
        Add(options, Privacy, Roles.Privacy, branchFromRoute: false);
        Add(options, Admin, Roles.Admin, branchFromRoute: false);
        // An endpoint that forgets to name a policy still needs a valid token.
        options.FallbackPolicy = new AuthorizationPolicyBuilder().RequireAuthenticatedUser().Build();
    }

    private static void Add(AuthorizationOptions options, string name, string role, bool branchFromRoute) =>
        options.AddPolicy(name, policy => policy.RequireAuthenticatedUser().AddRequirements(new AccessRequirement(role, branchFromRoute)));
}

/// <summary>The caller holds <paramref name="Role"/> (or admin) and, when asked, reaches the route's {branchId}.</summary>
public sealed record AccessRequirement(string Role, bool BranchFromRoute) : IAuthorizationRequirement;

public sealed class AccessHandler(IOptions<AuthOptions> options) : AuthorizationHandler<AccessRequirement>
{
    protected override Task HandleRequirementAsync(AuthorizationHandlerContext context, AccessRequirement requirement)
    {
        var http = context.Resource as HttpContext;
        var caller = http is not null ? http.Caller(options.Value) : Caller.From(context.User, options.Value);
        if (!caller.Has(requirement.Role))
        {
            return Task.CompletedTask;
        }
        if (requirement.BranchFromRoute
            && (http?.GetRouteValue("branchId") is not string branchId || !caller.Reaches(branchId)))
        {
            return Task.CompletedTask;
        }
        context.Succeed(requirement);
        return Task.CompletedTask;
    }
}

public static class CallerAccess
{
    private static readonly object Key = new();

    /// <summary>The request's caller, read from its token's claims once per request.</summary>
    public static Caller Caller(this HttpContext http, AuthOptions options)
    {
        if (http.Items.TryGetValue(Key, out var cached) && cached is Caller caller)
        {
            return caller;
        }
        caller = Security.Caller.From(http.User, options);
        http.Items[Key] = caller;
        return caller;
    }

    public static Caller Caller(this HttpContext http) =>
        http.Caller(http.RequestServices.GetRequiredService<IOptions<AuthOptions>>().Value);

    /// <summary>403 with a problem body: the token is valid, the branch is not the caller's.</summary>
    public static ProblemHttpResult OutsideBranch(string branchId) => TypedResults.Problem(
        statusCode: StatusCodes.Status403Forbidden, title: "Forbidden",
        detail: $"The token does not reach branch {branchId}.");
}
