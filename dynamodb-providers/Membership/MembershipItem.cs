using System.Globalization;
using Amazon.DynamoDBv2.Model;
using Orleans;
using Orleans.Runtime;

namespace NextGenCrm.Orleans.DynamoDb.Membership;

/// <summary>
/// Layout of the membership table: one partition per cluster (<c>ClusterId</c>), one item per silo
/// (<c>RowKey</c> = the silo address) plus one version item whose <c>ETag</c> guards every change.
/// </summary>
internal static class MembershipItem
{
    public const string ClusterId = "ClusterId";
    public const string RowKey = "RowKey";
    public const string VersionRowKey = "$version";
    public const string VersionNumber = "Version";
    public const string ETag = "ETag";
    public const string TableVersionAtWrite = "MembershipVersion";
    public const string Address = "Address";
    public const string Status = "Status";
    public const string ProxyPort = "ProxyPort";
    public const string HostName = "HostName";
    public const string SiloName = "SiloName";
    public const string RoleName = "RoleName";
    public const string UpdateZone = "UpdateZone";
    public const string FaultZone = "FaultZone";
    public const string StartTime = "StartTime";
    public const string IAmAliveTime = "IAmAliveTime";
    public const string SuspectTimes = "SuspectTimes";
    private const string Suspecter = "Silo";
    private const string SuspectedAt = "At";

    public static Dictionary<string, AttributeValue> Key(string clusterId, string rowKey) => new()
    {
        [ClusterId] = new AttributeValue { S = clusterId },
        [RowKey] = new AttributeValue { S = rowKey },
    };

    public static Dictionary<string, AttributeValue> VersionKey(string clusterId) => Key(clusterId, VersionRowKey);

    public static Dictionary<string, AttributeValue> SiloKey(string clusterId, SiloAddress silo) => Key(clusterId, silo.ToParsableString());

    public static bool IsVersionRow(Dictionary<string, AttributeValue> item) => item[RowKey].S == VersionRowKey;

    public static TableVersion ToTableVersion(Dictionary<string, AttributeValue> versionItem) =>
        new(int.Parse(versionItem[VersionNumber].N, CultureInfo.InvariantCulture), versionItem[ETag].N);

    public static Dictionary<string, AttributeValue> ToItem(string clusterId, MembershipEntry entry, long etag, int tableVersion)
    {
        var item = SiloKey(clusterId, entry.SiloAddress);
        item[ETag] = Number(etag);
        item[TableVersionAtWrite] = Number(tableVersion);
        item[Address] = new AttributeValue { S = entry.SiloAddress.ToParsableString() };
        item[Status] = Number((int)entry.Status);
        item[ProxyPort] = Number(entry.ProxyPort);
        item[UpdateZone] = Number(entry.UpdateZone);
        item[FaultZone] = Number(entry.FaultZone);
        item[StartTime] = Time(entry.StartTime);
        item[IAmAliveTime] = Time(entry.IAmAliveTime);
        AddIfPresent(item, HostName, entry.HostName);
        AddIfPresent(item, SiloName, entry.SiloName);
        AddIfPresent(item, RoleName, entry.RoleName);
        item[SuspectTimes] = new AttributeValue
        {
            L = (entry.SuspectTimes ?? []).Select(s => new AttributeValue
            {
                M = new Dictionary<string, AttributeValue>
                {
                    [Suspecter] = new() { S = s.Item1.ToParsableString() },
                    [SuspectedAt] = Time(s.Item2),
                },
            }).ToList(),
        };
        return item;
    }

    public static Tuple<MembershipEntry, string> ToEntry(Dictionary<string, AttributeValue> item)
    {
        var entry = new MembershipEntry
        {
            SiloAddress = SiloAddress.FromParsableString(item[Address].S),
            Status = (SiloStatus)Int(item, Status),
            ProxyPort = Int(item, ProxyPort),
            UpdateZone = Int(item, UpdateZone),
            FaultZone = Int(item, FaultZone),
            StartTime = ParseTime(item[StartTime].S),
            IAmAliveTime = ParseTime(item[IAmAliveTime].S),
            HostName = item.TryGetValue(HostName, out var host) ? host.S : "",
            SiloName = item.TryGetValue(SiloName, out var name) ? name.S : "",
            RoleName = item.TryGetValue(RoleName, out var role) ? role.S : "",
            SuspectTimes = item.TryGetValue(SuspectTimes, out var suspects) && suspects.L is { } list
                ? list.Select(s => Tuple.Create(SiloAddress.FromParsableString(s.M[Suspecter].S), ParseTime(s.M[SuspectedAt].S))).ToList()
                : [],
        };
        return Tuple.Create(entry, item[ETag].N);
    }

    public static int TableVersionOf(Dictionary<string, AttributeValue> item) =>
        item.TryGetValue(TableVersionAtWrite, out var value) ? int.Parse(value.N, CultureInfo.InvariantCulture) : 0;

    public static AttributeValue Number(long value) => new() { N = value.ToString(CultureInfo.InvariantCulture) };

    public static AttributeValue Time(DateTime value) =>
        new() { S = value.ToUniversalTime().ToString("O", CultureInfo.InvariantCulture) };

    public static DateTime ParseTime(string value) =>
        DateTime.Parse(value, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind).ToUniversalTime();

    private static int Int(Dictionary<string, AttributeValue> item, string name) =>
        int.Parse(item[name].N, CultureInfo.InvariantCulture);

    private static void AddIfPresent(Dictionary<string, AttributeValue> item, string name, string? value)
    {
        if (value is not null)
        {
            item[name] = new AttributeValue { S = value };
        }
    }
}
