using Microsoft.Extensions.Options;

namespace NextGenCrm.Integrations.OnPremises;

/// <summary>Where the on-premises face collection is kept.</summary>
public enum FaceDescriptorStoreKind { Local, DynamoDb, Memory }

/// <summary>The on-premises face search (configuration section <c>FaceSearch:OnPremises</c>, with <c>FaceSearch:Provider=OnPremises</c>).</summary>
public sealed class OnPremisesFaceSearchOptions
{
    public const string SectionName = "FaceSearch:OnPremises";

    /// <summary>
    /// Largest cosine distance (1 − cosine similarity, 0–2) between two descriptors of the same person. Lower
    /// means fewer false matches and more missed ones; change it only with a measured false-match rate
    /// (the accuracy table of the embedder in the README).
    /// </summary>
    public double MaxDistance { get; set; } = 0.25;

    /// <summary>
    /// Where descriptors are kept: <c>Local</c> (the data folder's <c>records.db</c>), <c>DynamoDb</c> (<see cref="TableName"/>),
    /// <c>Memory</c> (<c>--ephemeral</c>). Unset: DynamoDB on a DynamoDB cluster (<c>Orleans:Storage=DynamoDb</c>), memory
    /// with <c>--ephemeral</c>, the data folder otherwise.
    /// </summary>
    public FaceDescriptorStoreKind? Store { get; set; }

    /// <summary>The DynamoDB table of descriptors (partition key <c>personId</c>, sort key <c>faceId</c>).</summary>
    public string TableName { get; set; } = "nextgencrm-face-descriptors";

    /// <summary>Creates the DynamoDB table when missing (development, emulators); false where a template made it.</summary>
    public bool CreateTableIfMissing { get; set; } = true;

    /// <summary>The cosine similarity a match needs (the index searches by similarity; the setting is a distance).</summary>
    public float MinSimilarity => (float)(1 - MaxDistance);
}

public sealed class OnPremisesFaceSearchOptionsValidator : IValidateOptions<OnPremisesFaceSearchOptions>
{
    public ValidateOptionsResult Validate(string? name, OnPremisesFaceSearchOptions options)
    {
        const string s = OnPremisesFaceSearchOptions.SectionName;
        var errors = new List<string>();
        if (options.MaxDistance is <= 0 or >= 1)
        {
            errors.Add($"{s}:MaxDistance must be above 0 and below 1 (a cosine distance; 1 would match unrelated faces).");
        }
        if (options.TableName is not { Length: >= 3 and <= 255 } table || !table.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '.'))
        {
            errors.Add($"{s}:TableName must be a DynamoDB table name (3-255 of letters, digits, '_', '-', '.').");
        }
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
