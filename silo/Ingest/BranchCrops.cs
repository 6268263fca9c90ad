using NextGenCrm.Silo.Configuration;

namespace NextGenCrm.Silo.Ingest;

/// <summary>
/// Where each branch's crops are in the image store: <c>{prefix}{branchId}/{cameraId}/{yyyy-MM-dd}/{sightingId}.jpg</c>
/// (<see cref="Ports.CropLocation"/>). A sighting's <c>imageRef</c> must name a crop of its own branch: a branch's
/// edge agent may write only under its own prefix (deploy/aws/edge-agent-policy.json), and a reference to another
/// branch's crop would search, link and keep a face that branch never saw.
/// </summary>
public sealed class BranchCrops(string prefix)
{
    /// <summary>The prefix of the configured image store: <c>S3:Prefix</c> on AWS, <c>Images:Prefix</c> embedded.</summary>
    public static BranchCrops For(IConfiguration configuration, FaceSearchSelection faceSearch)
    {
        var prefix = faceSearch.Provider == FaceSearchProvider.Rekognition
            ? configuration[$"{Integrations.Aws.S3ImageStoreOptions.SectionName}:Prefix"] ?? new Integrations.Aws.S3ImageStoreOptions().Prefix
            : configuration[$"{Integrations.Embedded.LocalImageOptions.Section}:Prefix"] ?? new Integrations.Embedded.LocalImageOptions().Prefix;
        return new BranchCrops(prefix);
    }

    /// <summary>The key prefix of <paramref name="branchId"/>'s crops.</summary>
    public string PrefixOf(string branchId) => $"{prefix}{branchId}/";

    public bool Holds(string branchId, string imageKey) => imageKey.StartsWith(PrefixOf(branchId), StringComparison.Ordinal);
}
