using Microsoft.Extensions.Options;

namespace NextGenCrm.Integrations.Embedded;

/// <summary>The "Images" section: where the embedded mode keeps face crops, encrypted, and for how long.</summary>
public sealed class LocalImageOptions
{
    public const string SectionName = "Images";

    public string Folder { get; set; } = Path.Combine(".data", "images");

    public string Prefix { get; set; } = "DeepLens Images/";

    /// <summary>Base64 of a 256-bit key; empty means a random key per process.</summary>
    public string? EncryptionKey { get; set; }

    /// <summary>Crops older than this are deleted.</summary>
    public TimeSpan Retention { get; set; } = TimeSpan.FromDays(30);
}

public sealed class LocalImageOptionsValidator : IValidateOptions<LocalImageOptions>
{
    public ValidateOptionsResult Validate(string? name, LocalImageOptions options)
    {
        const string s = LocalImageOptions.SectionName;
        var errors = new List<string>();
        if (!string.IsNullOrEmpty(options.EncryptionKey) && !IsAes256Key(options.EncryptionKey))
        {
            errors.Add($"{s}:EncryptionKey must be the base64 of 32 bytes.");
        }
        if (string.IsNullOrWhiteSpace(options.Folder))
        {
            errors.Add($"{s}:Folder must name a folder.");
        }
        if (options.Retention <= TimeSpan.Zero)
        {
            errors.Add($"{s}:Retention must be positive.");
        }
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    private static bool IsAes256Key(string base64)
    {
        Span<byte> key = stackalloc byte[48];
        return Convert.TryFromBase64String(base64, key, out var length) && length == 32;
    }
}
