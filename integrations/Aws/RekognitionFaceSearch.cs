using System.Text.RegularExpressions;
using Amazon.Runtime;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using NextGenCrm.Ports;

namespace NextGenCrm.Integrations.Aws;

/// <summary>
/// The face collection in Amazon Rekognition: SearchFacesByImage, IndexFaces and DeleteFaces, one
/// face per image. An image without a usable face is an outcome (<see cref="FaceSearchOutcome.NoFace"/>),
/// not an error.
/// </summary>
public sealed partial class RekognitionFaceSearch : IFaceSearch, IAsyncDisposable
{
    // DeleteFaces takes at most 4096 ids per call.
    private const int DeleteBatchSize = 4096;

    private readonly RekognitionClient _client;
    private readonly FaceSearchOptions _options;
    private readonly ILogger<RekognitionFaceSearch> _logger;

    public RekognitionFaceSearch(HttpClient http, AwsClients aws, IOptions<FaceSearchOptions> options, ILogger<RekognitionFaceSearch> logger, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options.Value;
        _logger = logger;
        _client = new RekognitionClient(new AwsSignedHttp(http, aws, AwsService.Rekognition, "rekognition"), _options, logger, timeProvider);
    }

    public async Task<FaceSearchResult> SearchAsync(FaceImage face, CancellationToken cancellationToken)
    {
        var request = new SearchFacesByImageRequest(_options.CollectionId, ToImage(face), 1, (float)_options.MatchThreshold, "AUTO");
        SearchFacesByImageResponse response;
        try
        {
            response = await _client.CallAsync<SearchFacesByImageRequest, SearchFacesByImageResponse>("SearchFacesByImage", request, cancellationToken);
        }
        catch (AmazonServiceException e) when (e.ErrorCode == "InvalidParameterException")
        {
            // Rekognition's answer when it finds no face in the image.
            return FaceSearchResult.NoFace;
        }
        var best = response.FaceMatches?.Where(m => m.Face?.FaceId is not null).MaxBy(m => m.Similarity);
        return best is null
            ? FaceSearchResult.NoMatch
            : FaceSearchResult.Matched(best.Face!.FaceId!, best.Face.ExternalImageId, best.Similarity);
    }

    public async Task<FaceSearchResult> IndexAsync(FaceImage face, string externalImageId, CancellationToken cancellationToken)
    {
        if (!ExternalImageIdPattern().IsMatch(externalImageId))
        {
            throw new ArgumentException("An external image id is 1-255 characters of letters, digits, '_', '.', '-' or ':'.", nameof(externalImageId));
        }
        var request = new IndexFacesRequest(_options.CollectionId, ToImage(face), externalImageId, 1, "AUTO", ["DEFAULT"]);
        var response = await _client.CallAsync<IndexFacesRequest, IndexFacesResponse>("IndexFaces", request, cancellationToken);
        var indexed = response.FaceRecords?.Select(r => r.Face).FirstOrDefault(f => f?.FaceId is not null);
        if (indexed is null)
        {
            // No face, or the quality filter dropped it: nothing entered the collection.
            return FaceSearchResult.NoFace;
        }
        LogIndexed(indexed.FaceId!, externalImageId);
        return FaceSearchResult.Matched(indexed.FaceId!, indexed.ExternalImageId ?? externalImageId, 100);
    }

    public async Task DeleteAsync(IReadOnlyCollection<string> faceIds, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(faceIds);
        foreach (var batch in faceIds.Distinct(StringComparer.Ordinal).Chunk(DeleteBatchSize))
        {
            var response = await _client.CallAsync<DeleteFacesRequest, DeleteFacesResponse>(
                "DeleteFaces", new DeleteFacesRequest(_options.CollectionId, batch), cancellationToken);
            LogDeleted(response.DeletedFaces?.Length ?? 0, batch.Length);
        }
    }

    /// <summary>Creates the collection when DescribeCollection says it does not exist; returns true if it created it.</summary>
    public async Task<bool> EnsureCollectionAsync(CancellationToken cancellationToken)
    {
        var collection = new CollectionRequest(_options.CollectionId);
        try
        {
            await _client.CallAsync<CollectionRequest, Dictionary<string, object>>("DescribeCollection", collection, cancellationToken);
            return false;
        }
        catch (AmazonServiceException e) when (e.ErrorCode == "ResourceNotFoundException")
        {
            // Fall through and create it.
        }
        try
        {
            await _client.CallAsync<CollectionRequest, Dictionary<string, object>>("CreateCollection", collection, cancellationToken);
            LogCreated(_options.CollectionId);
            return true;
        }
        catch (AmazonServiceException e) when (e.ErrorCode == "ResourceAlreadyExistsException")
        {
            return false; // another silo won the race
        }
    }

    private RekognitionImage ToImage(FaceImage face)
    {
        if (!face.Bytes.IsEmpty)
        {
            return new RekognitionImage(face.Bytes.ToArray(), null);
        }
        if (!string.IsNullOrEmpty(face.ImageKey))
        {
            return new RekognitionImage(null, new RekognitionS3Object(_options.ImageBucket, face.ImageKey));
        }
        throw new ArgumentException("Rekognition needs image bytes or a stored image key; face tokens are for the simulated search only.", nameof(face));
    }

    public ValueTask DisposeAsync() => _client.DisposeAsync();

    [GeneratedRegex("^[a-zA-Z0-9_.\\-:]{1,255}$")]
    private static partial Regex ExternalImageIdPattern();

    [LoggerMessage(Level = LogLevel.Information, Message = "Indexed face {FaceId} as {ExternalImageId}")]
    private partial void LogIndexed(string faceId, string externalImageId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Deleted {Deleted} of {Requested} faces")]
    private partial void LogDeleted(int deleted, int requested);

    [LoggerMessage(Level = LogLevel.Information, Message = "Created Rekognition collection {CollectionId}")]
    private partial void LogCreated(string collectionId);
}
