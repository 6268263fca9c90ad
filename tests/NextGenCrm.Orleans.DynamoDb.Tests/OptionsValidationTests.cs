using Orleans.Configuration;
using Orleans.Runtime;

namespace NextGenCrm.Orleans.DynamoDb.Tests;

public sealed class OptionsValidationTests
{
    [Fact]
    public void Local_settings_without_credentials_are_valid()
    {
        new DynamoDBClusteringOptionsValidator(new DynamoDBClusteringOptions { Service = "http://127.0.0.1:8000" }).ValidateConfiguration();
        new DynamoDBClusteringOptionsValidator(new DynamoDBClusteringOptions { Service = "eu-west-1" }).ValidateConfiguration();
    }

    [Fact]
    public void Wrong_settings_stop_start_up_with_a_message_naming_each_setting()
    {
        var options = new DynamoDBReminderStorageOptions
        {
            TableName = "x",
            Service = "localhost:8000",
            AccessKey = "only-half",
            UseProvisionedThroughput = true,
        };

        var error = Assert.Throws<OrleansConfigurationException>(() => new DynamoDBReminderStorageOptionsValidator(options).ValidateConfiguration());

        Assert.Contains("DynamoDBReminderStorageOptions.TableName", error.Message, StringComparison.Ordinal);
        Assert.Contains("DynamoDBReminderStorageOptions.Service", error.Message, StringComparison.Ordinal);
        Assert.Contains("DynamoDBReminderStorageOptions.AccessKey and DynamoDBReminderStorageOptions.SecretKey", error.Message, StringComparison.Ordinal);
        Assert.Contains("DynamoDBReminderStorageOptions.ReadCapacityUnits", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_time_to_live_must_be_positive_and_name_its_attribute()
    {
        var options = new DynamoDBStorageOptions { TimeToLive = TimeSpan.Zero, TimeToLiveAttributeName = "", GrainStorageSerializer = null! };

        var error = Assert.Throws<OrleansConfigurationException>(() => new DynamoDBGrainStorageOptionsValidator(options, "visits").ValidateConfiguration());

        Assert.Contains("'visits'", error.Message, StringComparison.Ordinal);
        Assert.Contains("DynamoDBStorageOptions.TimeToLive must be positive", error.Message, StringComparison.Ordinal);
        Assert.Contains("DynamoDBStorageOptions.TimeToLiveAttributeName", error.Message, StringComparison.Ordinal);
    }
}
