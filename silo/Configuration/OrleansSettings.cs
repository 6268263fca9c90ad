using System.Globalization;
using System.Net;
using Microsoft.Extensions.Configuration.Memory;

namespace NextGenCrm.Silo.Configuration;

/// <summary>
/// Orleans reads its own section (<c>UseOrleans</c>): <c>Orleans:ClusterId</c>, <c>Orleans:ServiceId</c>,
/// <c>Orleans:Endpoints</c>, and a provider per <c>Orleans:Clustering</c>, <c>Orleans:GrainStorage:{name}</c> and
/// <c>Orleans:Reminders</c> by its <c>ProviderType</c>. This adds the embedded defaults beneath every other source,
/// refuses the keys of earlier builds naming their replacements, and checks at start what Orleans would find later.
/// </summary>
public sealed class OrleansSettings
{
    public const string ClusteringProviderKey = "Orleans:Clustering:ProviderType";
    public const string VisitsStorageProviderKey = "Orleans:GrainStorage:" + StorageNames.Visits + ":ProviderType";
    public const string RemindersProviderKey = "Orleans:Reminders:ProviderType";
    public const string Development = "Development", DynamoDB = "DynamoDB", Sqlite = "Sqlite", Memory = "Memory";

    private static readonly (string Key, string Replacement)[] EarlierKeys =
    [
        ("Orleans:Clustering", $"{ClusteringProviderKey} ({Development} or {DynamoDB})"),
        ("Orleans:Storage", $"{VisitsStorageProviderKey} and {RemindersProviderKey} ({Sqlite}, {Memory} or {DynamoDB})"),
        ("Orleans:SiloPort", "Orleans:Endpoints:SiloPort"),
        ("Orleans:GatewayPort", "Orleans:Endpoints:GatewayPort"),
        ("Orleans:AdvertisedIP", "Orleans:Endpoints:AdvertisedIPAddress"),
        ("Orleans:CreateTables", $"Orleans:Clustering:CreateIfNotExists, Orleans:GrainStorage:{StorageNames.Visits}:CreateIfNotExists and Orleans:Reminders:CreateIfNotExists"),
    ];

    public required string Clustering { get; init; }

    public required string Storage { get; init; }

    public required string Reminders { get; init; }

    /// <summary>The providers chosen (or defaulted: <see cref="Sqlite"/>, <see cref="Memory"/> with <c>--ephemeral</c>), checked now.</summary>
    public static OrleansSettings Read(IConfiguration configuration, bool ephemeral)
    {
        var errors = EarlierKeys
            .Where(earlier => configuration[earlier.Key] is not null)
            .Select(earlier => $"{earlier.Key} is no longer read: use {earlier.Replacement} (README, Configuration).")
            .ToList();
        var local = ephemeral ? Memory : Sqlite;
        var settings = new OrleansSettings
        {
            Clustering = Value(configuration, ClusteringProviderKey) ?? Development,
            Storage = Value(configuration, VisitsStorageProviderKey) ?? local,
            Reminders = Value(configuration, RemindersProviderKey) ?? local,
        };
        if (ephemeral && (settings.Storage == Sqlite || settings.Reminders == Sqlite))
        {
            errors.Add($"{VisitsStorageProviderKey}={Sqlite} and {RemindersProviderKey}={Sqlite} keep state in the data folder, which --ephemeral (Silo:Ephemeral) turns off.");
        }
        if (settings.Clustering != Development && (settings.Storage is Sqlite or Memory || settings.Reminders is Sqlite or Memory))
        {
            errors.Add($"{VisitsStorageProviderKey} and {RemindersProviderKey} ({settings.Storage}, {settings.Reminders}) keep state on one machine; "
                + $"a cluster of several ({ClusteringProviderKey}={settings.Clustering}) needs {DynamoDB} for both.");
        }
        var siloPort = Port(configuration, "Orleans:Endpoints:SiloPort", errors);
        var gatewayPort = Port(configuration, "Orleans:Endpoints:GatewayPort", errors);
        if (siloPort is not null && siloPort == gatewayPort)
        {
            errors.Add("Orleans:Endpoints:SiloPort and Orleans:Endpoints:GatewayPort must differ.");
        }
        if (Value(configuration, "Orleans:Endpoints:AdvertisedIPAddress") is { } advertised && !IPAddress.TryParse(advertised, out _))
        {
            errors.Add($"Orleans:Endpoints:AdvertisedIPAddress '{advertised}' is not an IP address.");
        }
        ConfigurationReader.ThrowIfAny(errors);
        return settings;
    }

    /// <summary>
    /// The embedded mode as configuration beneath every other source: one silo on loopback (Orleans' Development
    /// clustering), grain state and reminders in the data folder's SQLite file (in memory with <c>--ephemeral</c>).
    /// </summary>
    public static void AddEmbeddedDefaults(IConfigurationBuilder configuration, IConfiguration current, LocalStoreOptions local)
    {
        var siloPort = Value(current, "Orleans:Endpoints:SiloPort") ?? "11111";
        var defaults = new Dictionary<string, string?>
        {
            ["Orleans:ClusterId"] = "dev",
            ["Orleans:ServiceId"] = "nextgencrm",
            ["Orleans:Endpoints:AdvertisedIPAddress"] = "127.0.0.1",
            ["Orleans:Endpoints:SiloPort"] = "11111",
            ["Orleans:Endpoints:GatewayPort"] = "30000",
            [ClusteringProviderKey] = Development,
            ["Orleans:Clustering:PrimarySiloEndPoint"] = $"127.0.0.1:{siloPort}",
            [VisitsStorageProviderKey] = local.Ephemeral ? Memory : Sqlite,
            [RemindersProviderKey] = local.Ephemeral ? Memory : Sqlite,
        };
        if (local.InUse)
        {
            defaults[$"Orleans:GrainStorage:{StorageNames.Visits}:DatabasePath"] = local.OrleansDatabase;
            defaults["Orleans:Reminders:DatabasePath"] = local.OrleansDatabase;
        }
        configuration.Sources.Insert(0, new MemoryConfigurationSource { InitialData = defaults });
    }

    private static string? Value(IConfiguration configuration, string key) =>
        configuration[key] is { Length: > 0 } value && !string.IsNullOrWhiteSpace(value) ? value.Trim() : null;

    private static int? Port(IConfiguration configuration, string key, List<string> errors)
    {
        if (Value(configuration, key) is not { } value)
        {
            return null;
        }
        if (int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var port) && port is >= 1 and <= 65535)
        {
            return port;
        }
        errors.Add($"{key} '{value}' is not a port (1-65535).");
        return null;
    }
}
