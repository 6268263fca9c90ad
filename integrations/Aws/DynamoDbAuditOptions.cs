using Microsoft.Extensions.Options;

namespace NextGenCrm.Integrations.Aws;

public sealed class DynamoDbAuditOptions
{
    public const string SectionName = "Audit";

    public string TableName { get; set; } = "nextgencrm-audit";

    /// <summary>Entries expire through DynamoDB TTL (<c>expiresAt</c>) this long after they were written.</summary>
    public TimeSpan Retention { get; set; } = TimeSpan.FromDays(400);

    /// <summary>Each day's entries are spread over this many partitions, so a busy day stays under a partition's write limit.</summary>
    public int Shards { get; set; } = 8;

    /// <summary>Creates the table (with TTL on) when it is missing; off when CloudFormation owns it.</summary>
    public bool CreateIfMissing { get; set; } = true;
}

public sealed class DynamoDbAuditOptionsValidator : IValidateOptions<DynamoDbAuditOptions>
{
    public ValidateOptionsResult Validate(string? name, DynamoDbAuditOptions options)
    {
        const string s = DynamoDbAuditOptions.SectionName;
        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(options.TableName))
        {
            errors.Add($"{s}:TableName is required.");
        }
        if (options.Retention <= TimeSpan.Zero)
        {
            errors.Add($"{s}:Retention must be positive.");
        }
        if (options.Shards is < 1 or > 64)
        {
            errors.Add($"{s}:Shards must be between 1 and 64.");
        }
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
