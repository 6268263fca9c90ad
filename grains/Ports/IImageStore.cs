namespace NextGenCrm.Ports;

/// <summary>Face crops (S3 bucket customerimages, prefix "DeepLens Images/" in production).</summary>
public interface IImageStore
{
    /// <summary>Stores a crop under a key derived from <paramref name="crop"/>; returns the key.</summary>
    Task<string> PutAsync(CropLocation crop, ReadOnlyMemory<byte> jpegOrPng, CancellationToken cancellationToken);

    /// <summary>A short-lived link to the crop for staff (presigned GET in production).</summary>
    Task<Uri?> GetLinkAsync(string imageKey, CancellationToken cancellationToken);

    /// <summary>Whether a crop is stored under <paramref name="imageKey"/> and readable (HEAD in production).</summary>
    Task<bool> ExistsAsync(string imageKey, CancellationToken cancellationToken);

    /// <summary>Erases a crop (retention, erasure requests); true when a crop was stored under the key and is gone now.</summary>
    Task<bool> DeleteAsync(string imageKey, CancellationToken cancellationToken);
}

public sealed record CropLocation(string BranchId, string CameraId, DateTimeOffset CapturedAt, string SightingId)
{
    /// <summary>The key layout of the original design: DeepLens Images/{branch}/{camera}/{yyyy-MM-dd}/{sighting}.jpg.</summary>
    public string ToKey(string prefix) =>
        $"{prefix}{BranchId}/{CameraId}/{CapturedAt.UtcDateTime:yyyy-MM-dd}/{SightingId}.jpg";
}
