using Microsoft.Extensions.Options;

namespace NextGenCrm.Silo.Configuration;

/// <summary>
/// The "Sns" section's choice for new-visitor alerts: the SNS topic (<c>Sns:TopicArn</c>, on AWS), or only logged and
/// recorded. On AWS the recorder would mark alerts delivered that nobody received, so there it must be asked for by
/// name (<c>Sns:RecordOnly=true</c>). The publisher's own settings are in <c>Integrations.Aws.SnsOptions</c>.
/// </summary>
public sealed class AlertDeliveryOptions
{
    public const string SectionName = "Sns";

    public string? TopicArn { get; set; }

    public bool RecordOnly { get; set; }

    public bool TopicSet => !string.IsNullOrWhiteSpace(TopicArn);
}

public sealed class AlertDeliveryOptionsValidator : IValidateOptions<AlertDeliveryOptions>
{
    public ValidateOptionsResult Validate(string? name, AlertDeliveryOptions options) =>
        options.RecordOnly && options.TopicSet
            ? ValidateOptionsResult.Fail($"{AlertDeliveryOptions.SectionName}:RecordOnly=true and {AlertDeliveryOptions.SectionName}:TopicArn are both set; choose one.")
            : ValidateOptionsResult.Success;
}
