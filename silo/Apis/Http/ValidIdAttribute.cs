using System.ComponentModel.DataAnnotations;
using NextGenCrm.Silo.Ingest;

namespace NextGenCrm.Silo.Apis.Http;

/// <summary>
/// An id of the API (branch, camera, visitor, visit, customer): it becomes a grain key and a storage path, so it is
/// 1-64 characters of a plain alphabet (<see cref="SightingValidator.IsValidId"/>). On a route parameter, minimal-API
/// validation answers 400 naming the parameter; null passes (optional query values), use it with a required binding.
/// </summary>
[AttributeUsage(AttributeTargets.Parameter | AttributeTargets.Property, AllowMultiple = false)]
public sealed class ValidIdAttribute : ValidationAttribute
{
    /// <summary>When set, the id must also start with this (e.g. "v-" for an anonymous visitor), or <see cref="PrefixMessage"/> is the error.</summary>
    public string? Prefix { get; init; }

    public string? PrefixMessage { get; init; }

    protected override ValidationResult? IsValid(object? value, ValidationContext validationContext)
    {
        if (value is null)
        {
            return ValidationResult.Success;
        }
        var field = validationContext.MemberName ?? validationContext.DisplayName;
        var id = value as string;
        if (Prefix is not null && (id is null || !SightingValidator.IsValidId(id) || !id.StartsWith(Prefix, StringComparison.Ordinal)))
        {
            return new ValidationResult(PrefixMessage ?? $"{field} must start with {Prefix}.", [field]);
        }
        return SightingValidator.IsValidId(id) ? ValidationResult.Success : new ValidationResult(SightingValidator.IdRule(field), [field]);
    }
}
