using Microsoft.Extensions.Options;

namespace NextGenCrm.Silo.Configuration;

/// <summary>Where the audit log is kept: files in the data folder (memory with --ephemeral), or the DynamoDB table.</summary>
public enum AuditProvider { File, DynamoDb }

/// <summary>The "Audit" section's choice of log; each log reads its own settings.</summary>
public sealed class AuditProviderOptions
{
    public const string SectionName = "Audit";

    /// <summary>Unset: <see cref="AuditProvider.DynamoDb"/> with <c>FaceSearch:Provider=Rekognition</c>, else <see cref="AuditProvider.File"/>.</summary>
    public AuditProvider? Provider { get; set; }

    /// <summary><c>Audit:Store</c>, the key of earlier builds: refused, naming <c>Audit:Provider</c>.</summary>
    public string? Store { get; set; }
}

public sealed class AuditProviderOptionsValidator : IValidateOptions<AuditProviderOptions>
{
    public ValidateOptionsResult Validate(string? name, AuditProviderOptions options)
    {
        const string s = AuditProviderOptions.SectionName;
        var errors = new List<string>();
        if (options.Store is not null)
        {
            errors.Add($"{s}:Store is no longer read: use {s}:Provider (File or DynamoDb) (README, Configuration).");
        }
        if (options.Provider is { } provider && !Enum.IsDefined(provider))
        {
            errors.Add($"{s}:Provider must be File or DynamoDb.");
        }
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
