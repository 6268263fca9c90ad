using System.Globalization;
using System.Reflection;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using NextGenCrm.Silo.Extensions;
using NextGenCrm.TestSupport;
using YamlDotNet.RepresentationModel;

namespace NextGenCrm.Deploy.Tests;

/// <summary>The YAML documents under deploy/, as plain maps, lists and strings, with the file each came from.</summary>
public static class Manifests
{
    public static string Deploy => Path.Combine(RepositoryPaths.Root, "deploy");

    public static IReadOnlyList<string> YamlFiles() =>
        [.. Directory.EnumerateFiles(Deploy, "*.y*ml", SearchOption.AllDirectories).Order(StringComparer.Ordinal)];

    /// <summary>Every document of every YAML file under deploy/ (parsing each, which throws on a malformed one).</summary>
    public static IReadOnlyList<(string File, Dictionary<string, object?> Document)> All() =>
        [.. YamlFiles().SelectMany(file => Load(file).Select(d => (Path.GetRelativePath(Deploy, file), d)))];

    public static IReadOnlyList<Dictionary<string, object?>> Load(string file)
    {
        using var reader = new StringReader(File.ReadAllText(file));
        var stream = new YamlStream();
        stream.Load(reader);
        return [.. stream.Documents.Select(d => ToObject(d.RootNode)).OfType<Dictionary<string, object?>>()];
    }

    /// <summary>The Kubernetes objects of that kind (apiVersion/kind documents).</summary>
    public static IReadOnlyList<Dictionary<string, object?>> OfKind(string kind) =>
        [.. All().Select(d => d.Document).Where(d => d.GetValueOrDefault("kind") as string == kind)];

    public static Dictionary<string, object?> Single(string kind, string name) =>
        OfKind(kind).Single(d => Str(d, "metadata", "name") == name);

    public static object? At(object? node, params string[] path)
    {
        foreach (var key in path)
        {
            node = node is Dictionary<string, object?> map ? map.GetValueOrDefault(key) : null;
        }
        return node;
    }

    public static string? Str(object? node, params string[] path) => At(node, path) as string;

    public static Dictionary<string, object?> Map(object? node, params string[] path) =>
        At(node, path) as Dictionary<string, object?> ?? [];

    public static List<object?> List(object? node, params string[] path) => At(node, path) as List<object?> ?? [];

    public static int Int(object? node, params string[] path) => int.Parse(Str(node, path)!, CultureInfo.InvariantCulture);

    public static Dictionary<string, string> Labels(object? node, params string[] path) =>
        Map(node, path).ToDictionary(l => l.Key, l => (string)l.Value!, StringComparer.Ordinal);

    /// <summary>A container's env entries with a literal value (valueFrom entries map to null).</summary>
    public static Dictionary<string, string?> Env(Dictionary<string, object?> container) =>
        List(container, "env").Cast<Dictionary<string, object?>>().ToDictionary(e => Str(e, "name")!, e => Str(e, "value"), StringComparer.Ordinal);

    public static bool Matches(IReadOnlyDictionary<string, string> selector, IReadOnlyDictionary<string, string> labels) =>
        selector.Count > 0 && selector.All(s => labels.TryGetValue(s.Key, out var v) && v == s.Value);

    private static object? ToObject(YamlNode node) => node switch
    {
        YamlMappingNode map => map.Children.ToDictionary(c => ((YamlScalarNode)c.Key).Value!, c => ToObject(c.Value), StringComparer.Ordinal),
        YamlSequenceNode list => list.Children.Select(ToObject).ToList(),
        YamlScalarNode scalar => scalar.Value,
        _ => null,
    };
}

/// <summary>What the silo itself declares: its configuration sections (options classes) and its HTTP routes.</summary>
public static class SiloFacts
{
    private static readonly Assembly[] Assemblies =
    [
        typeof(SiloHostingExtensions).Assembly,
        typeof(NextGenCrm.Integrations.Aws.AwsOptions).Assembly,
        typeof(NextGenCrm.Visits.VisitPolicy).Assembly,
    ];

    /// <summary>Section path → the options classes bound to it (a class with a Section/SectionName constant), plus Orleans' membership options.</summary>
    public static Dictionary<string, List<Type>> Sections()
    {
        var sections = new Dictionary<string, List<Type>>(StringComparer.OrdinalIgnoreCase);
        foreach (var type in Assemblies.SelectMany(a => a.GetTypes()))
        {
            var field = type.GetField("Section", BindingFlags.Public | BindingFlags.Static) ?? type.GetField("SectionName", BindingFlags.Public | BindingFlags.Static);
            if (field is { IsLiteral: true } && field.GetRawConstantValue() is string section)
            {
                (sections.TryGetValue(section, out var list) ? list : sections[section] = []).Add(type);
            }
        }
        sections[ClusterLifecycleExtensions.MembershipSection] = [typeof(global::Orleans.Configuration.ClusterMembershipOptions)];
        // Orleans' own keys (UseOrleans reads them): the ids, the endpoints, and each provider's ProviderType and options.
        sections["Orleans"] = [typeof(global::Orleans.Configuration.ClusterOptions)];
        sections["Orleans:Endpoints"] = [typeof(global::Orleans.Configuration.EndpointOptions)];
        sections["Orleans:Clustering"] = [typeof(OrleansProvider), typeof(global::Orleans.Configuration.DynamoDBClusteringOptions)];
        sections["Orleans:GrainStorage:visits"] = [typeof(OrleansProvider), typeof(global::Orleans.Configuration.DynamoDBStorageOptions)];
        sections["Orleans:Reminders"] = [typeof(OrleansProvider), typeof(global::Orleans.Configuration.DynamoDBReminderStorageOptions)];
        return sections;
    }

    /// <summary>What every Orleans provider section carries beside its options.</summary>
    private sealed class OrleansProvider
    {
        public string ProviderType { get; set; } = "";
    }

    /// <summary>Whether <paramref name="key"/> (Section:Property:…) names a settable property of an options class.</summary>
    public static bool IsKnownKey(string key, Dictionary<string, List<Type>> sections)
    {
        var parts = key.Split(':');
        for (var split = parts.Length - 1; split >= 1; split--)
        {
            if (sections.TryGetValue(string.Join(':', parts[..split]), out var types) && types.Any(t => Resolves(t, parts[split..])))
            {
                return true;
            }
        }
        return false;
    }

    private static bool Resolves(Type type, string[] path)
    {
        var property = type.GetProperty(path[0], BindingFlags.Public | BindingFlags.Instance | BindingFlags.IgnoreCase);
        return property is { CanWrite: true } && (path.Length == 1 || Resolves(property.PropertyType, path[1..]));
    }

    /// <summary>The route patterns of the silo as Program.cs maps them (an ephemeral silo, built, not started).</summary>
    public static IReadOnlyList<string> Routes()
    {
        var folder = Directory.CreateTempSubdirectory("deploy-tests-").FullName;
        try
        {
            using var app = Builder(folder, []).Build();
            app.MapNextGenCrmApi();
            return [.. ((IEndpointRouteBuilder)app).DataSources.SelectMany(d => d.Endpoints).OfType<RouteEndpoint>()
                .Select(e => "/" + (e.RoutePattern.RawText ?? "").TrimStart('/')).Distinct()];
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary>The silo's services as <c>AddNextGenCrmSilo</c> registers them with these settings (ephemeral unless they say otherwise).</summary>
    public static IReadOnlyList<Type> RegisteredTypes(Dictionary<string, string?> settings)
    {
        var folder = Directory.CreateTempSubdirectory("deploy-tests-").FullName;
        try
        {
            return [.. Builder(folder, settings).Services.Select(d => d.ImplementationType ?? d.ServiceType)];
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static WebApplicationBuilder Builder(string folder, Dictionary<string, string?> settings)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Production" });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Silo:Ephemeral"] = "true",
            ["Auth:SigningKeyFile"] = Path.Combine(folder, "signing-key.json"),
            ["Audit:Folder"] = Path.Combine(folder, "audit"),
        });
        builder.Configuration.AddInMemoryCollection(settings);
        builder.AddNextGenCrmSilo();
        return builder;
    }
}
