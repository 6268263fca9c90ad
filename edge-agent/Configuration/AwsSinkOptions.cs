namespace NextGenCrm.EdgeAgent.Configuration;

/// <summary>
/// The AWS sink. Credentials come from the SDK's default chain (environment, profile, container or
/// instance role); they are never part of this file.
/// </summary>
public sealed class AwsSinkOptions
{
    /// <summary>URL of the queue the silo reads (its Sqs:SightingsQueueUrl). A ".fifo" queue is deduplicated by sightingId.</summary>
    public string QueueUrl { get; set; } = "";

    /// <summary>Bucket of the face crops (the silo's S3:Bucket).</summary>
    public string Bucket { get; set; } = "customerimages";

    /// <summary>Key prefix of the crops; keys are {prefix}{branchId}/{cameraId}/{yyyy-MM-dd}/{sightingId}.jpg as the silo expects.</summary>
    public string KeyPrefix { get; set; } = "DeepLens Images/";

    /// <summary>AWS region, e.g. eu-west-1; empty = the SDK's default (AWS_REGION, profile). Required with ServiceUrl.</summary>
    public string Region { get; set; } = "";

    /// <summary>One endpoint for S3 and SQS, for an emulator; empty = AWS.</summary>
    public string ServiceUrl { get; set; } = "";

    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(15);
}
