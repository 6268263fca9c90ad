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
