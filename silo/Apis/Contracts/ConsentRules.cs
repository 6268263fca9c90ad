using System.ComponentModel.DataAnnotations;
using NextGenCrm.Silo.Ingest;

namespace NextGenCrm.Silo.Apis.Contracts;

/// <summary>What a consent must hold, and where the described consent waits for the request's audit entry.</summary>
internal static class ConsentRules
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

/// <summary>What a customer record must hold: an id of the API's alphabet, a name, an optional phone.</summary>
internal static class CustomerRules
{
    /// <summary>The customer's problems by field; <paramref name="customerId"/> null when the route carries it (checked there).</summary>
    public static Dictionary<string, string[]> Check(string? customerId, string? name, string? phone, bool idRequired = false)
    {
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        if ((idRequired || customerId is not null) && !SightingValidator.IsValidId(customerId))
        {
            errors["customerId"] = [SightingValidator.IdRule("customerId")];
        }
        if (string.IsNullOrWhiteSpace(name) || name.Length > 200 || name.Any(char.IsControl))
        {
            errors["name"] = ["name is required: 1-200 characters without control characters."];
        }
        if (phone is not null && (phone.Length is < 4 or > 20 || !phone.All(c => char.IsAsciiDigit(c) || c is '+' or ' ' or '-')))
        {
            errors["phone"] = ["phone must be 4-20 characters of digits, spaces, '+' or '-'."];
        }
        return errors;
    }

    public static IEnumerable<ValidationResult> AsResults(Dictionary<string, string[]> errors) =>
        errors.SelectMany(e => e.Value.Select(message => new ValidationResult(message, [e.Key])));
}
