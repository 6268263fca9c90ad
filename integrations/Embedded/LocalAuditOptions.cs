using Microsoft.Extensions.Options;

namespace NextGenCrm.Integrations.Embedded;

/// <summary>The "Audit" section as the embedded file log reads it (<c>Audit:Provider=File</c>).</summary>
public sealed class LocalAuditOptions
{
    public const string SectionName = "Audit";

    /// <summary>The folder of the log: one file per day and per silo process, so silos sharing the folder never interleave writes.</summary>
    public string Folder { get; set; } = "";

    /// <summary>How often written entries are forced to disk (fsync); an append is answered once the OS has it.</summary>
    public TimeSpan FlushInterval { get; set; } = TimeSpan.FromSeconds(1);
}

public sealed class LocalAuditOptionsValidator : IValidateOptions<LocalAuditOptions>
{
    public ValidateOptionsResult Validate(string? name, LocalAuditOptions options) =>
        options.FlushInterval <= TimeSpan.Zero || options.FlushInterval > TimeSpan.FromMinutes(1)
            ? ValidateOptionsResult.Fail($"{LocalAuditOptions.SectionName}:FlushInterval must be positive and at most 00:01:00.")
            : ValidateOptionsResult.Success;
}
