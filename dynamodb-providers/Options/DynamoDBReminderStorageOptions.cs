namespace Orleans.Configuration;

/// <summary>The reminder table of the silos.</summary>
public sealed class DynamoDBReminderStorageOptions : DynamoDBClientOptions
{
    public const string DefaultTableName = "OrleansReminders";

    public DynamoDBReminderStorageOptions() => TableName = DefaultTableName;

    /// <summary>Items per page of a hash-range query; empty means DynamoDB's 1 MB pages. Smaller pages
    /// spread the read capacity a silo takes when it loads its range.</summary>
    public int? QueryPageSize { get; set; }
}

/// <summary>Checks <see cref="DynamoDBReminderStorageOptions"/> when the silo starts.</summary>
public sealed class DynamoDBReminderStorageOptionsValidator(DynamoDBReminderStorageOptions options) : IConfigurationValidator
{
    public void ValidateConfiguration()
    {
        var errors = DynamoDBClientOptionsChecks.Check(options);
        if (options.QueryPageSize <= 0)
        {
            errors.Add($"{nameof(DynamoDBReminderStorageOptions)}.QueryPageSize must be positive when set.");
        }
        DynamoDBClientOptionsChecks.ThrowIfAny(errors, "reminder table", "reminders");
    }
}
