namespace NextGenCrm.Orleans.DynamoDb;

/// <summary>Reminder table of the silos.</summary>
public sealed class DynamoDbReminderOptions : DynamoDbConnectionOptions
{
    public const string DefaultTableName = "OrleansReminders";

    public DynamoDbReminderOptions() => TableName = DefaultTableName;

    /// <summary>Items per page of a hash-range query; empty means DynamoDB's 1 MB pages. Smaller pages
    /// spread the read capacity a silo takes when it loads its range.</summary>
    public int? QueryPageSize { get; set; }
}
