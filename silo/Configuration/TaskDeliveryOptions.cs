using Microsoft.Extensions.Options;

namespace NextGenCrm.Silo.Configuration;

/// <summary>
/// The "Appian" section's choice for staff tasks: the Appian Web API (<c>Appian:BaseUrl</c> is set), or only logged and
/// recorded. On AWS the recorder would mark tasks delivered that nobody received, so there it must be asked for by name
/// (<c>Appian:RecordOnly=true</c>). The client's own settings are in <c>Integrations.Appian.AppianOptions</c>.
/// </summary>
public sealed class TaskDeliveryOptions
{
    public const string SectionName = "Appian";

    public string? BaseUrl { get; set; }

    public string? ApiKey { get; set; }

    public bool RecordOnly { get; set; }

    public bool SiteSet => !string.IsNullOrWhiteSpace(BaseUrl);
}

public sealed class TaskDeliveryOptionsValidator : IValidateOptions<TaskDeliveryOptions>
{
    public ValidateOptionsResult Validate(string? name, TaskDeliveryOptions options) =>
        options.RecordOnly && options.SiteSet
            ? ValidateOptionsResult.Fail($"{TaskDeliveryOptions.SectionName}:RecordOnly=true and {TaskDeliveryOptions.SectionName}:BaseUrl are both set; choose one.")
            : ValidateOptionsResult.Success;
}
