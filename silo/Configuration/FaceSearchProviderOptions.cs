using Microsoft.Extensions.Options;

namespace NextGenCrm.Silo.Configuration;

/// <summary>
/// Which face search: the simulated one (face tokens; the demo), Amazon Rekognition, or the on-premises one
/// (descriptors searched in the cluster; no face leaves the bank's machines).
/// </summary>
public enum FaceSearchProvider { Simulated, Rekognition, OnPremises }

/// <summary>The "FaceSearch" section's choice of provider; each provider reads its own settings.</summary>
public sealed class FaceSearchProviderOptions
{
    public const string SectionName = "FaceSearch";

    public FaceSearchProvider Provider { get; set; } = FaceSearchProvider.Simulated;
}

public sealed class FaceSearchProviderOptionsValidator : IValidateOptions<FaceSearchProviderOptions>
{
    public ValidateOptionsResult Validate(string? name, FaceSearchProviderOptions options) =>
        Enum.IsDefined(options.Provider)
            ? ValidateOptionsResult.Success
            : ValidateOptionsResult.Fail($"{FaceSearchProviderOptions.SectionName}:Provider must be Simulated, Rekognition or OnPremises.");
}
