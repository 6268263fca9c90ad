using System.Text;
using Newtonsoft.Json;
using Newtonsoft.Json.Linq;

namespace NextGenCrm.StoredState;

/// <summary>
/// State written by builds up to 2026-12-01: Newtonsoft JSON naming every object's and collection's .NET type
/// (<c>$type</c>), with the values of get-only properties too. Brought to the shape of this build's classes before
/// it is read, so the classes carry no members or methods for the earlier shapes:
/// <list type="bullet">
/// <item>computed properties (<c>AllVisits</c>, <c>HasWorkLeft</c>, <c>HasPendingEffects</c>) are dropped: they
/// name internal .NET types (<c>Enumerable+Concat2Iterator</c>) that a runtime update may rename;</item>
/// <item>a visitor's open visits stored by branch (<c>Open</c>, before 2026-11-28) join <c>OpenVisits</c>;</item>
/// <item>a visit's cameras stored as a set (<c>Cameras</c>, before 2026-11-28) join <c>CameraIds</c>;</item>
/// <item>a visit closed at an exit by a build that did not write when (<c>ExitSeenAt</c>, before 2026-11-30)
/// takes its last-seen time: the person was inside at least until then.</item>
/// </list>
/// </summary>
public static class EarlierJsonState
{
    private const string VisitorStateType = "NextGenCrm.Visits.VisitorState, NextGenCrm.Grains";
    private const string VisitListType = "System.Collections.Generic.List`1[[NextGenCrm.Visits.Visit, NextGenCrm.Grains]], System.Private.CoreLib";
    private const string StringArrayType = "System.String[], System.Private.CoreLib";
    private static readonly string[] ComputedProperties = ["AllVisits", "HasWorkLeft", "HasPendingEffects"];

    /// <summary>Whether the stored bytes are JSON: Orleans' binary format never starts with <c>{</c>.</summary>
    public static bool IsJson(BinaryData stored)
    {
        foreach (var b in stored.ToMemory().Span)
        {
            if (b is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n' or 0xEF or 0xBB or 0xBF)
            {
                continue; // whitespace, or a UTF-8 byte order mark
            }
            return b == (byte)'{';
        }
        return false;
    }

    /// <summary>The stored JSON in this build's shape, still Newtonsoft JSON with type names.</summary>
    public static BinaryData Upgrade(BinaryData stored)
    {
        using var reader = new JsonTextReader(new StringReader(stored.ToString())) { DateParseHandling = DateParseHandling.None };
        var root = JToken.ReadFrom(reader);
        foreach (var computed in (root is JContainer container ? container.DescendantsAndSelf() : [root]).OfType<JObject>().SelectMany(o => o.Properties()).Where(p => ComputedProperties.Contains(p.Name)).ToList())
        {
            computed.Remove();
        }
        if (root is JObject state && (string?)state["$type"] == VisitorStateType)
        {
            UpgradeVisitor(state);
        }
        return new BinaryData(Encoding.UTF8.GetBytes(root.ToString(Formatting.None)));
    }

    private static void UpgradeVisitor(JObject state)
    {
        var openVisits = Values(state, "OpenVisits", VisitListType);
        if (state["Open"] is JObject byBranch)
        {
            var branches = openVisits.OfType<JObject>().Select(v => (string?)v["BranchId"]).ToHashSet(StringComparer.Ordinal);
            foreach (var visit in byBranch.Properties().Where(p => !p.Name.StartsWith('$')).Select(p => p.Value).OfType<JObject>())
            {
                if (branches.Add((string?)visit["BranchId"]))
                {
                    openVisits.Add(visit);
                }
            }
        }
        state.Remove("Open");
        foreach (var visit in openVisits.Concat(Values(state, "Recent", VisitListType)).OfType<JObject>())
        {
            UpgradeVisit(visit);
        }
    }

    private static void UpgradeVisit(JObject visit)
    {
        if (visit["Cameras"] is JObject { } set)
        {
            var cameras = Values(visit, "CameraIds", StringArrayType);
            var known = cameras.Select(c => (string?)c).ToHashSet(StringComparer.Ordinal);
            foreach (var camera in ((JArray?)set["$values"] ?? []).Select(c => (string?)c).Order(StringComparer.Ordinal))
            {
                if (known.Add(camera))
                {
                    cameras.Add(camera);
                }
            }
            visit.Remove("Cameras");
        }
        if ((string?)visit["CloseReason"] == "exit" && visit["ExitSeenAt"] is null or { Type: JTokenType.Null })
        {
            visit["ExitSeenAt"] = visit["LastSeenAt"]?.DeepClone();
        }
    }

    /// <summary>The <c>$values</c> of the collection property <paramref name="name"/>, made (empty) when missing.</summary>
    private static JArray Values(JObject owner, string name, string type)
    {
        if (owner[name] is JObject { } collection && collection["$values"] is JArray values)
        {
            return values;
        }
        var made = new JArray();
        owner[name] = new JObject { ["$type"] = type, ["$values"] = made };
        return made;
    }
}
