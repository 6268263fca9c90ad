namespace Orleans.Configuration;

/// <summary>The membership table of the silos, and the gateway list clients read from it.</summary>
public sealed class DynamoDBClusteringOptions : DynamoDBClientOptions
{
    public const string DefaultTableName = "OrleansMembership";

    public DynamoDBClusteringOptions() => TableName = DefaultTableName;
}

/// <summary>Checks <see cref="DynamoDBClusteringOptions"/> when the silo or client starts.</summary>
public sealed class DynamoDBClusteringOptionsValidator(DynamoDBClusteringOptions options) : IConfigurationValidator
{
    public void ValidateConfiguration() =>
        DynamoDBClientOptionsChecks.ThrowIfAny(DynamoDBClientOptionsChecks.Check(options), "clustering", "membership");
}
