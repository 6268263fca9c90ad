using System.Security.Claims;

namespace NextGenCrm.Silo.Security;

/// <summary>What a caller may do. Admin may do everything, in every branch.</summary>
public static class Roles
{
    public const string Edge = "edge";
    public const string Staff = "staff";
    public const string Enrolment = "enrolment";
    public const string Privacy = "privacy";
    public const string Admin = "admin";

    public static readonly string[] All = [Edge, Staff, Enrolment, Privacy, Admin];

    /// <summary>A branch claim of "*" reaches every branch.</summary>
    public const string AnyBranch = "*";
}

/// <summary>The caller as the API sees it: who, in which roles, reaching which branches.</summary>
public sealed class Caller
{
    private static readonly char[] Separators = [',', ' '];
    private readonly HashSet<string> _roles;
    private readonly HashSet<string> _branches;

    private Caller(string subject, HashSet<string> roles, HashSet<string> branches)
    {
        Subject = subject;
        _roles = roles;
        _branches = branches;
    }

    public string Subject { get; }

    public bool IsAdmin => _roles.Contains(Roles.Admin);

    public bool AllBranches => IsAdmin || _branches.Contains(Roles.AnyBranch);

    public IReadOnlyCollection<string> Branches => _branches;

    public bool Has(string role) => IsAdmin || _roles.Contains(role);

    public bool Reaches(string branchId) => AllBranches || _branches.Contains(branchId);

    /// <summary>Reads the claims named by the options; a claim may repeat or hold a list separated by commas or spaces.</summary>
    public static Caller From(ClaimsPrincipal user, AuthOptions options) => new(
        user.FindFirst(options.SubjectClaim)?.Value ?? "anonymous",
        Values(user, options.RoleClaim, options.RolePrefix),
        Values(user, options.BranchClaim, options.BranchPrefix));

    private static HashSet<string> Values(ClaimsPrincipal user, string claimTypes, string prefix) =>
    [
        .. claimTypes.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .SelectMany(user.FindAll)
            .SelectMany(c => c.Value.Split(Separators, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            .Where(v => v.StartsWith(prefix, StringComparison.Ordinal) && v.Length > prefix.Length)
            .Select(v => v[prefix.Length..]),
    ];
}
