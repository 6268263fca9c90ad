using System.Text.RegularExpressions;
using Orleans;
using Orleans.Runtime;

namespace NextGenCrm.Orleans.DynamoDb;

/// <summary>Checks a provider's DynamoDB settings when the silo or client starts, naming the wrong setting.</summary>
public sealed partial class DynamoDbOptionsValidator<TOptions>(TOptions options, string providerName) : IConfigurationValidator
    where TOptions : DynamoDbConnectionOptions
{
    public void ValidateConfiguration()
    {
        var errors = Validate(options);
        if (errors.Count > 0)
        {
            throw new OrleansConfigurationException(
                $"Invalid {typeof(TOptions).Name} for '{providerName}': {string.Join(" ", errors)}");
        }
    }

    /// <summary>Every problem with <paramref name="options"/>, each naming its setting; empty when valid.</summary>
    public static IReadOnlyList<string> Validate(TOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new List<string>();
        var prefix = typeof(TOptions).Name;

        if (string.IsNullOrWhiteSpace(options.TableName) || !TableNamePattern().IsMatch(options.TableName))
        {
            errors.Add($"{prefix}.TableName '{options.TableName}' is not a DynamoDB table name (3-255 of a-z A-Z 0-9 _ - .).");
        }
        if (!string.IsNullOrEmpty(options.ServiceUrl)
            && (!Uri.TryCreate(options.ServiceUrl, UriKind.Absolute, out var url) || (url.Scheme != Uri.UriSchemeHttp && url.Scheme != Uri.UriSchemeHttps)))
        {
            errors.Add($"{prefix}.ServiceUrl '{options.ServiceUrl}' is not an absolute http(s) URL.");
        }
        if (!string.IsNullOrEmpty(options.Region) && !RegionPattern().IsMatch(options.Region))
        {
            errors.Add($"{prefix}.Region '{options.Region}' is not an AWS region name.");
        }
        if (string.IsNullOrEmpty(options.AccessKey) != string.IsNullOrEmpty(options.SecretKey))
        {
            errors.Add($"{prefix}.AccessKey and {prefix}.SecretKey must be set together (or both left empty for the default credentials).");
        }
        if (options.BillingMode == DynamoDbBillingMode.Provisioned && (options.ReadCapacityUnits <= 0 || options.WriteCapacityUnits <= 0))
        {
            errors.Add($"{prefix}.ReadCapacityUnits and {prefix}.WriteCapacityUnits must be positive with provisioned billing.");
        }
        if (options.MaxErrorRetry < 0)
        {
            errors.Add($"{prefix}.MaxErrorRetry must not be negative.");
        }
        if (options.RequestTimeout <= TimeSpan.Zero)
        {
            errors.Add($"{prefix}.RequestTimeout must be positive.");
        }
        if (options is DynamoDbReminderOptions { QueryPageSize: <= 0 })
        {
            errors.Add($"{prefix}.QueryPageSize must be positive when set.");
        }
        if (options is DynamoDbGrainStorageOptions storage)
        {
            if (storage.CompressionThresholdBytes < 0)
            {
                errors.Add($"{prefix}.CompressionThresholdBytes must not be negative.");
            }
            if (string.IsNullOrEmpty(storage.TimeToLiveAttributeName) != (storage.StateTimeToLive is null))
            {
                errors.Add($"{prefix}.TimeToLiveAttributeName and {prefix}.StateTimeToLive must be set together.");
            }
            if (storage.StateTimeToLive is { } ttl && ttl <= TimeSpan.Zero)
            {
                errors.Add($"{prefix}.StateTimeToLive must be positive.");
            }
            if (storage.GrainStorageSerializer is null)
            {
                errors.Add($"{prefix}.GrainStorageSerializer is not set and the silo registers none.");
            }
        }
        return errors;
    }

    [GeneratedRegex("^[a-zA-Z0-9_.-]{3,255}$")]
    private static partial Regex TableNamePattern();

    [GeneratedRegex("^[a-z]{2}(-[a-z]+)+-[0-9]+$")]
    private static partial Regex RegionPattern();
}
