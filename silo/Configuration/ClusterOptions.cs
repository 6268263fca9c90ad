using System.Net;

namespace NextGenCrm.Silo.Configuration;

public enum ClusteringMode { Localhost, DynamoDb }

/// <summary>Where grain state and reminders live: the local SQLite store (the default), memory (ephemeral), DynamoDB.</summary>
public enum StorageMode { Memory, DynamoDb, Local }

public enum FaceSearchProvider { Simulated, Rekognition }

/// <summary>The "Orleans" section: how this silo finds the cluster and where grain state lives.</summary>
public sealed class SiloClusterOptions
{
    public const string Section = "Orleans";

    public ClusteringMode Clustering { get; set; } = ClusteringMode.Localhost;
    public string ClusterId { get; set; } = "dev";
    public string ServiceId { get; set; } = "nextgencrm";
    public int SiloPort { get; set; } = 11111;
    public int GatewayPort { get; set; } = 30000;
    public string? AdvertisedIP { get; set; }
    /// <summary>Unset: <see cref="StorageMode.Local"/>, or <see cref="StorageMode.Memory"/> with <c>Silo:Ephemeral</c>.</summary>
    public StorageMode Storage { get; set; } = StorageMode.Local;

    /// <summary>Create the Orleans DynamoDB tables when missing; false where a template made them and the role may not.</summary>
    public bool CreateTables { get; set; } = true;

    /// <summary>Reads and checks the section now: the host cannot start on a wrong value.</summary>
    public static SiloClusterOptions Read(IConfiguration configuration)
    {
        var options = ConfigurationReader.Bind<SiloClusterOptions>(configuration, Section);
        if (string.IsNullOrEmpty(configuration["Orleans:Storage"]) && configuration.GetValue<bool>(LocalStoreOptions.EphemeralKey))
        {
            options.Storage = StorageMode.Memory;
        }
        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(options.ClusterId)) errors.Add("Orleans:ClusterId must not be empty.");
        if (string.IsNullOrWhiteSpace(options.ServiceId)) errors.Add("Orleans:ServiceId must not be empty.");
        if (options.SiloPort is < 1 or > 65535) errors.Add($"Orleans:SiloPort {options.SiloPort} is not a port (1-65535).");
        if (options.GatewayPort is < 1 or > 65535) errors.Add($"Orleans:GatewayPort {options.GatewayPort} is not a port (1-65535).");
        if (options.Clustering == ClusteringMode.DynamoDb && options.Storage == StorageMode.Local)
        {
            errors.Add("Orleans:Storage=Local (the default) keeps grain state on this machine only; a DynamoDB cluster (Orleans:Clustering=DynamoDb) needs Orleans:Storage=DynamoDb.");
        }
        if (options.SiloPort == options.GatewayPort) errors.Add("Orleans:SiloPort and Orleans:GatewayPort must differ.");
        if (!string.IsNullOrEmpty(options.AdvertisedIP) && !IPAddress.TryParse(options.AdvertisedIP, out _))
        {
            errors.Add($"Orleans:AdvertisedIP '{options.AdvertisedIP}' is not an IP address.");
        }
        ConfigurationReader.ThrowIfAny(errors);
        return options;
    }
}

/// <summary>The "FaceSearch" section's choice of provider (the adapters read their own settings).</summary>
public sealed class FaceSearchSelection
{
    public const string Section = "FaceSearch";

    public FaceSearchProvider Provider { get; set; } = FaceSearchProvider.Simulated;

    public static FaceSearchSelection Read(IConfiguration configuration) =>
        ConfigurationReader.Bind<FaceSearchSelection>(configuration, Section);
}
