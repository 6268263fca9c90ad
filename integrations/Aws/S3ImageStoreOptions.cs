using Microsoft.Extensions.Options;

namespace NextGenCrm.Integrations.Aws;

/// <summary>Where face crops are kept (configuration section <c>S3</c>).</summary>
public sealed class S3ImageStoreOptions
{
    public const string SectionName = "S3";

    public string Bucket { get; set; } = "customerimages";

    /// <summary>Key prefix of the original design; keys are {Prefix}{branch}/{camera}/{yyyy-MM-dd}/{sighting}.jpg.</summary>
    public string Prefix { get; set; } = "DeepLens Images/";

    /// <summary>Lifetime of the presigned links handed to staff; short, since a link is a photo of a person.</summary>
    public TimeSpan LinkExpiry { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary><c>AES256</c> (S3-managed keys) or <c>aws:kms</c> (with <see cref="KmsKeyId"/>, or the account's S3 KMS key).</summary>
    public string ServerSideEncryption { get; set; } = "AES256";

    public string? KmsKeyId { get; set; }
}

public sealed class S3ImageStoreOptionsValidator : IValidateOptions<S3ImageStoreOptions>
{
    public ValidateOptionsResult Validate(string? name, S3ImageStoreOptions options)
    {
        const string s = S3ImageStoreOptions.SectionName;
        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(options.Bucket) || options.Bucket.Length is < 3 or > 63)
        {
            errors.Add($"{s}:Bucket must be a bucket name of 3 to 63 characters.");
        }
        if (options.Prefix is null || options.Prefix.StartsWith('/'))
        {
            errors.Add($"{s}:Prefix must not be null or start with '/'.");
        }
        // SigV4 presigned URLs cannot live longer than 7 days.
        if (options.LinkExpiry <= TimeSpan.Zero || options.LinkExpiry > TimeSpan.FromDays(7))
        {
            errors.Add($"{s}:LinkExpiry must be above zero and at most 7 days.");
        }
        if (options.ServerSideEncryption is not ("AES256" or "aws:kms"))
        {
            errors.Add($"{s}:ServerSideEncryption must be AES256 or aws:kms.");
        }
        if (!string.IsNullOrEmpty(options.KmsKeyId) && options.ServerSideEncryption != "aws:kms")
        {
            errors.Add($"{s}:KmsKeyId is only used with {s}:ServerSideEncryption = aws:kms.");
        }
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
