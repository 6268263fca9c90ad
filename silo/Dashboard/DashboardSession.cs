using System.Globalization;
using System.Reflection;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using NextGenCrm.Silo.Security;

namespace NextGenCrm.Silo.Dashboard;

/// <summary>
/// The staff page and its sign-in. A browser's EventSource cannot send an Authorization header, so the page
/// exchanges the staff member's token once (POST /api/v1/session with the header) for an HttpOnly, SameSite=Strict
/// cookie holding that same token. The token is then checked on every request exactly as a header would be (issuer,
/// audience, signature, expiry), the cookie lives no longer than the token, script on the page cannot read it, and it
/// is honoured on GET only: a session can watch and read, never post a sighting or erase anyone.
/// </summary>
public static class DashboardSession
{
    public const string CookieName = "ngcrm-session";
    private const string CookiePath = "/api/v1";

    private static readonly Dictionary<string, string> Files = new(StringComparer.Ordinal)
    {
        ["app.js"] = "text/javascript; charset=utf-8",
        ["app.css"] = "text/css; charset=utf-8",
    };

    public static IEndpointRouteBuilder MapDashboard(this IEndpointRouteBuilder app)
    {
        // The page is the same for everyone; what it shows comes from the API, with the caller's scope.
        app.MapGet("/", ServePage).AllowAnonymous().ExcludeFromDescription();
        app.MapGet("/sign-in", ServePage).AllowAnonymous().ExcludeFromDescription();
        app.MapGet("/dashboard/{file}", ServeFile).AllowAnonymous().ExcludeFromDescription();
        app.MapDashboardOidc();

        var session = app.MapGroup("/api/v1/session").WithTags("Dashboard");
        session.MapPost("/", SignIn).RequireAuthorization(Policies.Staff).RequireRateLimiting(RateLimitOptions.Reads)
            .WithSummary("Turns the bearer token of this request into the page's session cookie (HttpOnly, GET only, as long as the token).");
        session.MapGet("/", Who).RequireAuthorization(Policies.Staff).RequireRateLimiting(RateLimitOptions.Reads)
            .WithSummary("Who is signed in, and which branches they reach.");
        session.MapDelete("/", SignOut).AllowAnonymous().RequireRateLimiting(RateLimitOptions.Reads).WithSummary("Ends the page's session.");
        return app;
    }

    /// <summary>The page's sign-in link: the token after '#', which a browser keeps to itself (no server, proxy or Referer sees it).</summary>
    public static string SignInLink(string address, string token) => $"{address.TrimEnd('/')}/sign-in#token={Uri.EscapeDataString(token)}";

    /// <summary>JwtBearer's hook: a GET under /api/v1 without an Authorization header takes the token from the session cookie.</summary>
    public static Task ReadSessionCookie(MessageReceivedContext context)
    {
        var request = context.Request;
        if (context.Token is null
            && (HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method))
            && request.Headers.Authorization.Count == 0
            && request.Cookies.TryGetValue(CookieName, out var token) && token.Length is > 0 and < 16 * 1024)
        {
            context.Token = token;
        }
        return Task.CompletedTask;
    }

    private static IResult SignIn(HttpContext http)
    {
        var header = http.Request.Headers.Authorization.ToString();
        if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Sign in with the token in the Authorization header");
        }
        var expires = http.User.FindFirst("exp")?.Value is { } exp && long.TryParse(exp, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds)
            ? DateTimeOffset.FromUnixTimeSeconds(seconds)
            : DateTimeOffset.UtcNow.AddHours(1);
        SetSessionCookie(http, header["Bearer ".Length..].Trim(), expires);
        return Who(http);
    }

    /// <summary>The session: the token itself, out of the page's script's reach, sent with GETs under /api/v1 only.</summary>
    internal static void SetSessionCookie(HttpContext http, string token, DateTimeOffset expires)
    {
        http.Response.Cookies.Append(CookieName, token, SessionCookie(http, CookiePath, expires));
        if (http.User.Identity?.IsAuthenticated == true && http.Caller().IsAdmin)
        {
            // An admin's session opens the Orleans dashboard too (GETs only, as under /api/v1).
            http.Response.Cookies.Append(CookieName, token, SessionCookie(http, Extensions.SiloTelemetryExtensions.OrleansDashboardPath, expires));
        }
    }

    private static CookieOptions SessionCookie(HttpContext http, string path, DateTimeOffset? expires) => new()
    {
        HttpOnly = true,
        Secure = Secure(http),
        SameSite = SameSiteMode.Strict,
        Path = path,
        Expires = expires,
    };

    private static bool Secure(HttpContext http) =>
        http.RequestServices.GetRequiredService<Microsoft.Extensions.Options.IOptions<DashboardOptions>>().Value.SecureCookies(http.Request);

    private static IResult Who(HttpContext http)
    {
        var caller = http.Caller();
        return TypedResults.Ok(new SessionView(caller.Subject, caller.AllBranches, [.. caller.Branches.Where(b => b != Roles.AnyBranch).Order(StringComparer.Ordinal)]));
    }

    private static IResult SignOut(HttpContext http)
    {
        http.Response.Cookies.Delete(CookieName, SessionCookie(http, CookiePath, null));
        http.Response.Cookies.Delete(CookieName, SessionCookie(http, Extensions.SiloTelemetryExtensions.OrleansDashboardPath, null));
        return TypedResults.NoContent();
    }

    private static IResult ServePage(HttpContext http) => Serve(http, "index.html", "text/html; charset=utf-8");

    private static IResult ServeFile(HttpContext http, string file) =>
        Files.TryGetValue(file, out var type) ? Serve(http, file, type) : TypedResults.NotFound();

    private static IResult Serve(HttpContext http, string file, string contentType)
    {
        var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream($"NextGenCrm.Silo.Dashboard.Page.{file}");
        if (stream is null)
        {
            return TypedResults.NotFound();
        }
        // Script from this silo only, no inline script, not framed by another site.
        http.Response.Headers.ContentSecurityPolicy = "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";
        http.Response.Headers.XContentTypeOptions = "nosniff";
        http.Response.Headers["Referrer-Policy"] = "no-referrer";
        http.Response.Headers.CacheControl = "no-cache";
        return TypedResults.Stream(stream, contentType);
    }
}

public sealed record SessionView(string Subject, bool AllBranches, string[] Branches);
