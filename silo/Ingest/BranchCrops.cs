using Microsoft.Extensions.Options;
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
    public static BranchCrops For(IServiceProvider services, FaceSearchSelection faceSearch) =>
        new(faceSearch.Provider == FaceSearchProvider.Rekognition
            ? services.GetRequiredService<IOptions<Integrations.Aws.S3ImageStoreOptions>>().Value.Prefix
            : services.GetRequiredService<IOptions<Integrations.Embedded.LocalImageOptions>>().Value.Prefix);

    /// <summary>The key prefix of <paramref name="branchId"/>'s crops.</summary>
    public string PrefixOf(string branchId) => $"{prefix}{branchId}/";

    public bool Holds(string branchId, string imageKey) => imageKey.StartsWith(PrefixOf(branchId), StringComparison.Ordinal);
}
