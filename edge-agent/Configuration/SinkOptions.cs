namespace NextGenCrm.EdgeAgent.Configuration;

public enum SinkKind
{
    /// <summary>POST to the silo's HTTP API (EdgeAgent:Silo:BaseUrl).</summary>
    Http,

    /// <summary>Crop into S3, sighting (with imageRef) into the SQS queue the silo polls.</summary>
    Aws,
}

/// <summary>What a sighting carries of the face (EdgeAgent:Sink:SendFaceAs).</summary>
public enum FaceForm
{
    /// <summary>The JPEG crop of the track's best face (any face search).</summary>
    Image,

    /// <summary>
    /// Only the best face's descriptor (128 floats, the embedder of face-detection/): no picture of the face leaves the
    /// branch. For a silo on the on-premises face search (FaceSearch:Provider=OnPremises); needs the embedder's model.
    /// </summary>
    Descriptor,
}

/// <summary>Where buffered sightings are delivered (the "EdgeAgent:Sink" section).</summary>
public sealed class SinkOptions
{
    public SinkKind Kind { get; set; } = SinkKind.Http;

    public FaceForm SendFaceAs { get; set; } = FaceForm.Image;

    public AwsSinkOptions Aws { get; set; } = new();
}

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
