namespace NextGenCrm.Orleans.DynamoDb;

/// <summary>How a provider reaches DynamoDB and how it creates its table when missing.</summary>
public abstract class DynamoDbConnectionOptions
{
    /// <summary>Endpoint override, for DynamoDB Local or a VPC endpoint. Empty means AWS's regional endpoint.</summary>
    public string? ServiceUrl { get; set; }

    /// <summary>AWS region (for example <c>eu-west-1</c>). Empty means the SDK's own resolution (AWS_REGION, profile).</summary>
    public string? Region { get; set; }

    /// <summary>Static credentials. Leave both empty to use the SDK's default chain (IRSA, instance role, profile);
    /// against a loopback <see cref="ServiceUrl"/> (DynamoDB Local) placeholder credentials are used instead.</summary>
    public string? AccessKey { get; set; }

    public string? SecretKey { get; set; }

    public string? SessionToken { get; set; }

    /// <summary>The table this provider reads and writes.</summary>
    public string TableName { get; set; } = "";

    /// <summary>Create the table (and its index and TTL setting) at start-up when it does not exist.</summary>
    public bool CreateIfNotExists { get; set; } = true;

    /// <summary>On-demand billing by default; set <see cref="DynamoDbBillingMode.Provisioned"/> with capacity units to provision.</summary>
    public DynamoDbBillingMode BillingMode { get; set; } = DynamoDbBillingMode.OnDemand;

    public int ReadCapacityUnits { get; set; }

    public int WriteCapacityUnits { get; set; }

    /// <summary>Retries of throttled and transient failures, with the SDK's exponential backoff and jitter.</summary>
    public int MaxErrorRetry { get; set; } = 8;

    /// <summary>Timeout of one DynamoDB HTTP request.</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(10);
}

public enum DynamoDbBillingMode
{
    OnDemand,
    Provisioned,
}
