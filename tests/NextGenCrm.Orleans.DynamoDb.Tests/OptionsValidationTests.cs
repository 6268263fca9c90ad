using Orleans.Runtime;

namespace NextGenCrm.Orleans.DynamoDb.Tests;

public sealed class OptionsValidationTests
{
    [Fact]
    public void Local_settings_without_credentials_are_valid()
    {
        var options = new DynamoDbClusteringOptions { ServiceUrl = "http://127.0.0.1:8000" };

        Assert.Empty(DynamoDbOptionsValidator<DynamoDbClusteringOptions>.Validate(options));
    }

    [Fact]
    public void Wrong_settings_stop_start_up_with_a_message_naming_each_setting()
    {
        var options = new DynamoDbReminderOptions
        {
            TableName = "x",
            ServiceUrl = "localhost:8000",
            AccessKey = "only-half",
            BillingMode = DynamoDbBillingMode.Provisioned,
        };

        var error = Assert.Throws<OrleansConfigurationException>(
            () => new DynamoDbOptionsValidator<DynamoDbReminderOptions>(options, "reminders").ValidateConfiguration());

        Assert.Contains("DynamoDbReminderOptions.TableName", error.Message, StringComparison.Ordinal);
        Assert.Contains("DynamoDbReminderOptions.ServiceUrl", error.Message, StringComparison.Ordinal);
        Assert.Contains("DynamoDbReminderOptions.AccessKey and DynamoDbReminderOptions.SecretKey", error.Message, StringComparison.Ordinal);
        Assert.Contains("DynamoDbReminderOptions.ReadCapacityUnits", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_time_to_live_attribute_needs_a_lifetime()
    {
        var options = new DynamoDbGrainStorageOptions { TimeToLiveAttributeName = "ExpiresAt" };

        var errors = DynamoDbOptionsValidator<DynamoDbGrainStorageOptions>.Validate(options);

        Assert.Contains(errors, e => e.Contains("StateTimeToLive", StringComparison.Ordinal));
    }
}
