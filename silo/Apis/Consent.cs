namespace NextGenCrm.Silo.Apis;

/// <summary>
/// The customer's consent to have their face recognised, as the staff member enrolling them records it: when it was
/// given and how. Who recorded it is the token's subject. Kept in the audit log with the enrolment; withdrawn by
/// erasing the customer (DELETE /api/v1/customers/{id}), which the audit log shows too.
/// </summary>
public sealed record ConsentRequest(DateTimeOffset? GivenAt, string? Method);

internal static class Consent
{
    public static readonly string[] Methods = ["written", "verbal", "digital"];
    private static readonly object ItemKey = new();
    private static readonly TimeSpan ClockSkew = TimeSpan.FromMinutes(5);

    /// <summary>Adds the reason the consent is missing or wrong to <paramref name="errors"/> under "consent".</summary>
    public static void Check(DateTimeOffset? givenAt, string? method, DateTimeOffset now, Dictionary<string, string[]> errors)
    {
        if (givenAt is null && method is null)
        {
            errors["consent"] = ["consent is required: the customer's consent to face recognition, { givenAt, method } (written, verbal or digital)."];
            return;
        }
        if (method is null || !Methods.Contains(method, StringComparer.Ordinal))
        {
            errors["consent.method"] = ["consent.method must be written, verbal or digital."];
        }
        if (givenAt is null || givenAt > now + ClockSkew)
        {
            errors["consent.givenAt"] = ["consent.givenAt is required and not in the future."];
        }
    }

    public static string Describe(DateTimeOffset givenAt, string method) => $"consent {method}, given {givenAt.UtcDateTime:O}";

    /// <summary>Leaves the consent's description for the audit entry of this request.</summary>
    public static void Note(HttpContext http, string description) => http.Items[ItemKey] = description;

    public static string? Noted(HttpContext http) => http.Items.TryGetValue(ItemKey, out var noted) ? noted as string : null;
}
