using Microsoft.Extensions.Options;

namespace NextGenCrm.Integrations.Aws;

/// <summary>The two DynamoDB tables of the original design and the erasure tombstones (configuration section <c>CrmTables</c>).</summary>
public sealed class CrmTablesOptions
{
    public const string SectionName = "CrmTables";

    /// <summary>faceId → customer. Also indexed by customerId (GSI <see cref="CrmTables.CustomerIdIndex"/>).</summary>
    public string CustomersTable { get; set; } = "customer-rekognition-collection";

    /// <summary>One record per visit, keyed by visitor and visit, expiring after <see cref="Retention"/>.</summary>
    public string HistoryTable { get; set; } = "customer-facial-history";

    /// <summary>personId → until when an erasure fences that person's in-flight work (DynamoDB TTL on <c>expiresAt</c>).</summary>
    public string TombstonesTable { get; set; } = "customer-erasure-tombstones";

    /// <summary>How long a visit record is kept after the visit started (DynamoDB TTL on <c>expiresAt</c>).</summary>
    public TimeSpan Retention { get; set; } = TimeSpan.FromDays(365);

    /// <summary>Creates missing tables at start-up (development, emulators); production tables come from the infrastructure template.</summary>
    public bool CreateIfMissing { get; set; }
}

public sealed class CrmTablesOptionsValidator : IValidateOptions<CrmTablesOptions>
{
    public ValidateOptionsResult Validate(string? name, CrmTablesOptions options)
    {
        const string s = CrmTablesOptions.SectionName;
        var errors = new List<string>();
        if (!IsTableName(options.CustomersTable))
        {
            errors.Add($"{s}:CustomersTable must be a DynamoDB table name (3-255 of letters, digits, '_', '-', '.').");
        }
        if (!IsTableName(options.HistoryTable))
        {
            errors.Add($"{s}:HistoryTable must be a DynamoDB table name (3-255 of letters, digits, '_', '-', '.').");
        }
        if (!IsTableName(options.TombstonesTable))
        {
            errors.Add($"{s}:TombstonesTable must be a DynamoDB table name (3-255 of letters, digits, '_', '-', '.').");
        }
        if (options.Retention < TimeSpan.FromDays(1))
        {
            errors.Add($"{s}:Retention must be at least one day.");
        }
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    private static bool IsTableName(string? name) =>
        name is { Length: >= 3 and <= 255 } && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '.');
}
