namespace NextGenCrm.Orleans.DynamoDb;

/// <summary>Membership table of the silos, and the gateway list the clients read from it.</summary>
public sealed class DynamoDbClusteringOptions : DynamoDbConnectionOptions
{
    public const string DefaultTableName = "OrleansMembership";

    public DynamoDbClusteringOptions() => TableName = DefaultTableName;
}
