using NextGenCrm.FaceDetection;
using NextGenCrm.Integrations.Embedded;
using NextGenCrm.Integrations.OnPremises;

namespace NextGenCrm.Integrations.Tests;

/// <summary>
/// The silo's copies of the detector's and the embedder's settings are checked at start, as the edge agent checks its
/// own: a score threshold of 5 would find no face at all, 0 threads would fail the first search, a mistyped model hash
/// would refuse the model only when a picture first arrives.
/// </summary>
public sealed class FaceModelSettingsTests
{
    [Fact]
    public void The_defaults_pass()
    {
        Assert.True(new OnPremisesFaceSearchOptionsValidator().Validate(null, new OnPremisesFaceSearchOptions()).Succeeded);
        Assert.True(new SimulatedFaceSearchOptionsValidator().Validate(null, new SimulatedFaceSearchOptions()).Succeeded);
    }

    [Fact]
    public void Wrong_detector_and_embedder_settings_of_the_on_premises_search_are_refused_each_naming_its_key()
    {
        var options = new OnPremisesFaceSearchOptions
        {
            Detection = new FaceDetectorOptions { ScoreThreshold = 5, Threads = 0, TileSide = 100, ModelSha256 = "abc" },
            Embedding = new FaceEmbedderOptions { Threads = 1000, ModelSha256 = new string('g', 64) },
        };

        var result = new OnPremisesFaceSearchOptionsValidator().Validate(null, options);

        Assert.True(result.Failed);
        Assert.Equal(
            [
                "FaceSearch:OnPremises:Detection:ScoreThreshold must be between 0 and 1",
                "FaceSearch:OnPremises:Detection:Threads must be between 1 and 64",
                "FaceSearch:OnPremises:Detection:ModelSha256 must be empty (the pinned hash) or 64 hex digits",
                "FaceSearch:OnPremises:Detection:TileSide must be 0 (whole frame only) or at least the model's input side (256)",
                "FaceSearch:OnPremises:Embedding:Threads must be between 1 and 64",
                "FaceSearch:OnPremises:Embedding:ModelSha256 must be empty (the pinned hash) or 64 hex digits",
            ],
            result.Failures);
    }

    [Fact]
    public void A_pinned_hash_written_out_in_full_is_taken()
    {
        var options = new OnPremisesFaceSearchOptions
        {
            Detection = new FaceDetectorOptions { ModelSha256 = BlazeFaceModelInfo.FullRange.Sha256.ToUpperInvariant() },
            Embedding = new FaceEmbedderOptions { ModelSha256 = FaceEmbedderModel.Sha256 },
        };

        Assert.True(new OnPremisesFaceSearchOptionsValidator().Validate(null, options).Succeeded);
    }
}
