using System.Net;
using Microsoft.Extensions.Options;

namespace NextGenCrm.Silo.Configuration;

/// <summary>
/// What the silo must know of Orleans' own section before Orleans reads it (<c>UseOrleans</c>): the provider each of
/// <c>Orleans:Clustering</c>, <c>Orleans:GrainStorage:visits</c> and <c>Orleans:Reminders</c> names by its
/// <c>ProviderType</c>, and <c>Orleans:Endpoints</c>. The keys of earlier builds are bound only to be refused.
/// </summary>
public sealed class OrleansProvidersOptions
{
    public const string SectionName = "Orleans";
    public const string ClusteringProviderKey = SectionName + ":Clustering:ProviderType";
    public const string VisitsStorageProviderKey = SectionName + ":GrainStorage:" + StorageNames.Visits + ":ProviderType";
    public const string RemindersProviderKey = SectionName + ":Reminders:ProviderType";
    public const string Development = "Development", DynamoDB = "DynamoDB", Sqlite = "Sqlite", Memory = "Memory";

    /// <summary>Unset: <see cref="Development"/> (one silo).</summary>
    [ConfigurationKeyName("Clustering:ProviderType")]
    public string? ClusteringProvider { get; set; }

    /// <summary>Unset: <see cref="Sqlite"/> in the data folder, <see cref="Memory"/> with <c>--ephemeral</c>.</summary>
    [ConfigurationKeyName("GrainStorage:" + StorageNames.Visits + ":ProviderType")]
    public string? VisitsStorageProvider { get; set; }

    /// <summary>Unset: as <see cref="VisitsStorageProvider"/>.</summary>
    [ConfigurationKeyName("Reminders:ProviderType")]
    public string? RemindersProvider { get; set; }

    [ConfigurationKeyName("Endpoints:SiloPort")]
    public int? SiloPort { get; set; }

    [ConfigurationKeyName("Endpoints:GatewayPort")]
    public int? GatewayPort { get; set; }

    [ConfigurationKeyName("Endpoints:AdvertisedIPAddress")]
    public string? AdvertisedIPAddress { get; set; }

    /// <summary>
    /// Keys of earlier builds, each refused naming its replacement. (<c>Orleans:Clustering</c> as a value is refused by
    /// <see cref="SiloAdapters"/>: a property cannot bind both the value and Orleans' section of that name.)
    /// </summary>
    [ConfigurationKeyName("Storage")]
    public string? EarlierStorage { get; set; }

    [ConfigurationKeyName("SiloPort")]
    public string? EarlierSiloPort { get; set; }

    [ConfigurationKeyName("GatewayPort")]
    public string? EarlierGatewayPort { get; set; }

    [ConfigurationKeyName("AdvertisedIP")]
    public string? EarlierAdvertisedIP { get; set; }

    [ConfigurationKeyName("CreateTables")]
    public string? EarlierCreateTables { get; set; }
}

public sealed class OrleansProvidersOptionsValidator : IValidateOptions<OrleansProvidersOptions>
{
    public ValidateOptionsResult Validate(string? name, OrleansProvidersOptions options)
    {
        const string s = OrleansProvidersOptions.SectionName;
        var errors = new List<string>();
        Earlier(options.EarlierStorage, $"{s}:Storage", $"{OrleansProvidersOptions.VisitsStorageProviderKey} and {OrleansProvidersOptions.RemindersProviderKey} ({OrleansProvidersOptions.Sqlite}, {OrleansProvidersOptions.Memory} or {OrleansProvidersOptions.DynamoDB})");
        Earlier(options.EarlierSiloPort, $"{s}:SiloPort", $"{s}:Endpoints:SiloPort");
        Earlier(options.EarlierGatewayPort, $"{s}:GatewayPort", $"{s}:Endpoints:GatewayPort");
        Earlier(options.EarlierAdvertisedIP, $"{s}:AdvertisedIP", $"{s}:Endpoints:AdvertisedIPAddress");
        Earlier(options.EarlierCreateTables, $"{s}:CreateTables", $"{s}:Clustering:CreateIfNotExists, {s}:GrainStorage:{StorageNames.Visits}:CreateIfNotExists and {s}:Reminders:CreateIfNotExists");
        if (options.SiloPort is not null and not (>= 1 and <= 65535))
        {
            errors.Add($"{s}:Endpoints:SiloPort '{options.SiloPort}' is not a port (1-65535).");
        }
        if (options.GatewayPort is not null and not (>= 1 and <= 65535))
        {
            errors.Add($"{s}:Endpoints:GatewayPort '{options.GatewayPort}' is not a port (1-65535).");
        }
        if (options.SiloPort is not null && options.SiloPort == options.GatewayPort)
        {
            errors.Add($"{s}:Endpoints:SiloPort and {s}:Endpoints:GatewayPort must differ.");
        }
        if (!string.IsNullOrWhiteSpace(options.AdvertisedIPAddress) && !IPAddress.TryParse(options.AdvertisedIPAddress.Trim(), out _))
        {
            errors.Add($"{s}:Endpoints:AdvertisedIPAddress '{options.AdvertisedIPAddress}' is not an IP address.");
        }
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);

        void Earlier(string? value, string key, string replacement)
        {
            if (!string.IsNullOrEmpty(value))
            {
                errors.Add($"{key} is no longer read: use {replacement} (README, Configuration).");
            }
        }
    }
}
