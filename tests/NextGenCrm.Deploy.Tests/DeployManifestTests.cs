using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;
using NextGenCrm.Silo.Configuration;
using NextGenCrm.Silo.Extensions;
using static NextGenCrm.Deploy.Tests.Manifests;

namespace NextGenCrm.Deploy.Tests;

/// <summary>
/// deploy/ against the code, offline (no Docker engine, no cluster here): what would make a pod fail to start,
/// never become ready, or be unreachable, or an alert that can never fire, shows up as a failed test.
/// </summary>
public sealed partial class DeployManifestTests
{
    private const string Namespace = "nextgencrm";

    private static Dictionary<string, object?> Silo => Single("Deployment", "nextgencrm-silo");
    private static Dictionary<string, object?> SiloContainer => (Dictionary<string, object?>)List(Silo, "spec", "template", "spec", "containers").Single()!;
    private static Dictionary<string, string> PodLabels => Labels(Silo, "spec", "template", "metadata", "labels");

    private static int ContainerPort(string name) =>
        Int(List(SiloContainer, "ports").Cast<Dictionary<string, object?>>().Single(p => Str(p, "name") == name), "containerPort");

    [Fact]
    public void Every_manifest_parses_and_every_namespaced_object_is_in_its_namespace()
    {
        var documents = All();
        Assert.True(documents.Count >= 15, $"only {documents.Count} YAML documents under deploy/");
        foreach (var (file, document) in documents.Where(d => d.Document.ContainsKey("apiVersion") && d.Document.ContainsKey("kind")))
        {
            var kind = Str(document, "kind");
            if (kind is "Namespace")
            {
                continue;
            }
            var ns = Str(document, "metadata", "namespace");
            Assert.True(ns is Namespace or "monitoring", $"{file}: {kind} {Str(document, "metadata", "name")} is in namespace '{ns}'");
        }
    }

    [Fact]
    public void The_silo_listens_on_the_ports_its_pod_and_image_declare()
    {
        var env = Env(SiloContainer);
        Assert.Equal($"http://0.0.0.0:{ContainerPort("http")}", env["Urls"]);
        Assert.Equal(ContainerPort("silo"), int.Parse(env["Orleans__Endpoints__SiloPort"]!));
        Assert.Equal(ContainerPort("gateway"), int.Parse(env["Orleans__Endpoints__GatewayPort"]!));
        // Orleans' own defaults, which the Dockerfile exposes too.
        Assert.Equal(global::Orleans.Configuration.EndpointOptions.DEFAULT_SILO_PORT, ContainerPort("silo"));
        Assert.Equal(global::Orleans.Configuration.EndpointOptions.DEFAULT_GATEWAY_PORT, ContainerPort("gateway"));

        var dockerfile = File.ReadAllText(Path.Combine(RepositoryRoot, "Dockerfile"));
        Assert.Contains($"Urls=http://0.0.0.0:{ContainerPort("http")}", dockerfile);
        Assert.Matches($@"EXPOSE {ContainerPort("http")} {ContainerPort("silo")} {ContainerPort("gateway")}\b", dockerfile);
    }

    [Fact]
    public void Every_setting_the_manifests_pass_is_a_setting_the_silo_reads()
    {
        var sections = SiloFacts.Sections();
        var podVariables = KubernetesOptions.PodVariables.ToHashSet(StringComparer.Ordinal);
        var unknown = Env(SiloContainer).Keys
            .Where(name => !podVariables.Contains(name) && name != "Urls")
            .Where(name => !SiloFacts.IsKnownKey(name.Replace("__", ":", StringComparison.Ordinal), sections))
            .ToList();
        Assert.True(unknown.Count == 0, $"env vars naming no setting of the silo: {string.Join(", ", unknown)}");
        // The check itself can fail: a misspelt key is caught.
        Assert.False(SiloFacts.IsKnownKey("Orleans:ClusterID2", sections));
        Assert.True(SiloFacts.IsKnownKey("Orleans:Membership:ProbeTimeout", sections));
    }

    [Fact]
    public void Probes_call_the_silos_health_endpoints_and_the_ingress_routes_only_real_paths_and_not_metrics()
    {
        var routes = SiloFacts.Routes();
        foreach (var probe in new[] { "readinessProbe", "livenessProbe", "startupProbe" })
        {
            var path = Str(SiloContainer, probe, "httpGet", "path");
            Assert.True(path is not null && routes.Contains(path), $"{probe} calls {path}, which the silo does not map ({string.Join(", ", routes.Where(r => r.StartsWith("/health", StringComparison.Ordinal)))})");
            Assert.Equal("http", Str(SiloContainer, probe, "httpGet", "port"));
        }
        Assert.Equal("/health/ready", Str(SiloContainer, "readinessProbe", "httpGet", "path"));

        var ingress = Single("Ingress", "nextgencrm-api");
        var paths = List(ingress, "spec", "rules").SelectMany(r => List(r, "http", "paths")).ToList();
        foreach (var path in paths)
        {
            var prefix = Str(path, "path")!;
            Assert.True(routes.Any(r => r == prefix || r.StartsWith(prefix.TrimEnd('/') + "/", StringComparison.Ordinal)), $"the ingress routes {prefix}, under which the silo maps nothing");
            Assert.False(prefix == "/" && Str(path, "pathType") == "Prefix", "a Prefix / would expose /metrics and /health through the ingress");
            Assert.Equal("nextgencrm-api", Str(path, "backend", "service", "name"));
        }
        Assert.DoesNotContain(paths, p => Str(p, "path")!.StartsWith("/metrics", StringComparison.Ordinal) || Str(p, "path")!.StartsWith("/health", StringComparison.Ordinal));
    }

    [Fact]
    public void The_ingress_pins_each_client_to_a_pod_by_the_cookie_the_edge_agent_keeps_while_its_branch_is_there()
    {
        var annotations = Map(Single("Ingress", "nextgencrm-api"), "metadata", "annotations");
        Assert.Equal("cookie", annotations["nginx.ingress.kubernetes.io/affinity"]);
        Assert.Equal("persistent", annotations["nginx.ingress.kubernetes.io/affinity-mode"]); // scaling out moves no pinned agent
        Assert.Equal("ngcrm-route", annotations["nginx.ingress.kubernetes.io/session-cookie-name"]); // EdgeAgent:Silo:AffinityCookie's default
        Assert.Equal("true", annotations["nginx.ingress.kubernetes.io/session-cookie-secure"]);
        Assert.Equal("true", annotations["nginx.ingress.kubernetes.io/session-cookie-change-on-failure"]); // a dead pod's clients are placed afresh
    }

    [Fact]
    public void Services_policies_budget_and_autoscaler_select_the_silo_pods()
    {
        var service = Single("Service", "nextgencrm-api");
        Assert.True(Matches(Labels(service, "spec", "selector"), PodLabels), "the API Service selects no silo pod");
        Assert.All(List(service, "spec", "ports"), p => Assert.Equal(ContainerPort(Str(p, "targetPort")!), ContainerPort("http")));
        Assert.True(Matches(Labels(Silo, "spec", "selector", "matchLabels"), PodLabels));
        Assert.True(Matches(Labels(Single("PodDisruptionBudget", "nextgencrm-silo"), "spec", "selector", "matchLabels"), PodLabels));
        Assert.Equal("1", Str(Single("PodDisruptionBudget", "nextgencrm-silo"), "spec", "maxUnavailable"));
        var hpa = Single("HorizontalPodAutoscaler", "nextgencrm-silo");
        Assert.Equal(("Deployment", "nextgencrm-silo"), (Str(hpa, "spec", "scaleTargetRef", "kind"), Str(hpa, "spec", "scaleTargetRef", "name")));
        Assert.True(Int(hpa, "spec", "minReplicas") >= 3 && Int(hpa, "spec", "maxReplicas") > Int(hpa, "spec", "minReplicas"));
        var monitor = Single("PodMonitor", "nextgencrm-silo");
        Assert.True(Matches(Labels(monitor, "spec", "selector", "matchLabels"), PodLabels), "the PodMonitor scrapes no silo pod");
        Assert.Equal("http", Str(List(monitor, "spec", "podMetricsEndpoints").Single(), "port"));
    }

    [Fact]
    public void Network_policies_open_silo_ports_only_between_silos_and_the_api_only_to_ingress_and_monitoring()
    {
        var policies = OfKind("NetworkPolicy");
        Assert.All(policies, p => Assert.True(Matches(Labels(p, "spec", "podSelector", "matchLabels"), PodLabels), $"{Str(p, "metadata", "name")} selects no silo pod"));
        Assert.Contains(policies, p => List(p, "spec", "policyTypes").Contains("Ingress") && !Map(p, "spec").ContainsKey("ingress"));   // default deny

        var siloPorts = new[] { ContainerPort("silo"), ContainerPort("gateway") };
        var http = ContainerPort("http");
        foreach (var rule in policies.SelectMany(p => List(p, "spec", "ingress")))
        {
            var ports = List(rule, "ports").Select(p => Int(p, "port")).ToList();
            Assert.NotEmpty(ports);
            Assert.All(ports, port => Assert.Contains(port, siloPorts.Append(http)));
            var from = List(rule, "from").Cast<Dictionary<string, object?>>().ToList();
            Assert.NotEmpty(from);
            if (ports.Any(siloPorts.Contains))
            {
                // Only silo pods of this namespace, on silo ports only.
                Assert.All(ports, port => Assert.Contains(port, siloPorts));
                Assert.All(from, f => Assert.True(!f.ContainsKey("namespaceSelector") && Matches(Labels(f, "podSelector", "matchLabels"), PodLabels)));
            }
            else
            {
                Assert.All(from, f => Assert.Contains(Labels(f, "namespaceSelector", "matchLabels")["kubernetes.io/metadata.name"], new[] { "ingress-nginx", "monitoring" }));
            }
        }
        Assert.Contains(policies.SelectMany(p => List(p, "spec", "ingress")), r => List(r, "from").Any(f => Labels(f, "namespaceSelector", "matchLabels").ContainsValue("ingress-nginx")));
        Assert.Contains(policies.SelectMany(p => List(p, "spec", "ingress")), r => List(r, "from").Any(f => Labels(f, "namespaceSelector", "matchLabels").ContainsValue("monitoring")));
    }

    [Fact]
    public void Orleans_kubernetes_hosting_gets_its_labels_variables_and_permissions()
    {
        var env = Env(SiloContainer);
        Assert.Equal("true", env["Kubernetes__Enabled"]);
        Assert.All(KubernetesOptions.PodVariables, v => Assert.True(env.ContainsKey(v), $"the pod does not pass {v}"));
        Assert.Equal(env["Orleans__ServiceId"], env["ORLEANS_SERVICE_ID"]);
        Assert.Equal(env["Orleans__ClusterId"], env["ORLEANS_CLUSTER_ID"]);
        Assert.Equal(env["ORLEANS_SERVICE_ID"], PodLabels["orleans/serviceId"]);
        Assert.Equal(env["ORLEANS_CLUSTER_ID"], PodLabels["orleans/clusterId"]);

        var account = Str(Silo, "spec", "template", "spec", "serviceAccountName");
        var binding = OfKind("RoleBinding").Single(b => List(b, "subjects").Any(s => Str(s, "name") == account));
        var role = Single("Role", Str(binding, "roleRef", "name")!);
        var pods = List(role, "rules").Single(r => List(r, "resources").Contains("pods"));
        Assert.All(new[] { "get", "list", "watch", "delete" }, verb => Assert.Contains(verb, List(pods, "verbs")));
    }

    [Fact]
    public void Kubernetes_hosting_is_switched_on_by_its_setting_only_and_refuses_to_start_outside_a_pod()
    {
        static bool HasKubernetesAgent(IEnumerable<Type> types) => types.Any(t => t.FullName == "Orleans.Hosting.Kubernetes.KubernetesClusterAgent");
        Dictionary<string, string?> cluster = new()
        {
            ["Silo:Ephemeral"] = "false", ["Orleans:Clustering:ProviderType"] = "DynamoDB", ["Orleans:GrainStorage:visits:ProviderType"] = "DynamoDB", ["Orleans:Reminders:ProviderType"] = "DynamoDB",
            ["Appian:RecordOnly"] = "true", ["Sns:RecordOnly"] = "true", ["Orleans:ClusterId"] = "prod",
        };
        Assert.False(HasKubernetesAgent(SiloFacts.RegisteredTypes(cluster)));

        Assert.SkipWhen(Environment.GetEnvironmentVariable("POD_NAME") is not null, "running inside a pod");
        var refused = Assert.Throws<OptionsValidationException>(() => SiloFacts.RegisteredTypes(new(cluster) { ["Kubernetes:Enabled"] = "true" }));
        Assert.Contains("POD_NAME, POD_NAMESPACE, POD_IP, ORLEANS_SERVICE_ID, ORLEANS_CLUSTER_ID", refused.Message);
        var alone = Assert.Throws<OptionsValidationException>(() => SiloFacts.RegisteredTypes(new() { ["Kubernetes:Enabled"] = "true" }));
        Assert.Contains("Orleans:Clustering:ProviderType=DynamoDB", alone.Message);

        // In a pod (the variables the manifest passes): the agent that watches the pods is there.
        var pod = new Dictionary<string, string> { ["POD_NAME"] = "silo-0", ["POD_NAMESPACE"] = Namespace, ["POD_IP"] = "10.0.0.7", ["ORLEANS_SERVICE_ID"] = "nextgencrm", ["ORLEANS_CLUSTER_ID"] = "prod" };
        try
        {
            foreach (var (name, value) in pod)
            {
                Environment.SetEnvironmentVariable(name, value);
            }
            Assert.True(HasKubernetesAgent(SiloFacts.RegisteredTypes(new(cluster) { ["Kubernetes:Enabled"] = "true" })));
            var otherCluster = Assert.Throws<OptionsValidationException>(() => SiloFacts.RegisteredTypes(new(cluster) { ["Kubernetes:Enabled"] = "true", ["Orleans:ClusterId"] = "staging" }));
            Assert.Contains("ORLEANS_CLUSTER_ID 'prod' differs from Orleans:ClusterId 'staging'", otherCluster.Message);
        }
        finally
        {
            foreach (var name in pod.Keys)
            {
                Environment.SetEnvironmentVariable(name, null);
            }
        }
    }

    [Fact]
    public void The_grace_period_covers_the_drain_and_the_graceful_stop()
    {
        var env = Env(SiloContainer);
        var drain = TimeSpan.Parse(env["Shutdown__DrainDelay"]!);
        var stop = TimeSpan.Parse(env["Shutdown__StopTimeout"]!);
        var grace = TimeSpan.FromSeconds(Int(Silo, "spec", "template", "spec", "terminationGracePeriodSeconds"));
        Assert.True(drain >= TimeSpan.FromSeconds(5), "the Service needs a few seconds to stop sending to a stopping pod");
        Assert.True(grace > drain + stop, $"grace period {grace} does not cover drain {drain} + stop {stop}: the kubelet would SIGKILL a silo saving its grains");
        Assert.Equal("0", Str(Silo, "spec", "strategy", "rollingUpdate", "maxUnavailable"));
    }

    [Theory]
    [InlineData("Dockerfile", "silo/NextGenCrm.Silo.csproj")]
    [InlineData("deploy/edge-agent/Dockerfile", "edge-agent/NextGenCrm.EdgeAgent.csproj")]
    public void The_images_restore_in_a_layer_of_their_own_and_ship_no_tests_or_bench(string dockerfile, string project)
    {
        var lines = File.ReadAllLines(Path.Combine(RepositoryRoot, dockerfile)).Select(l => l.Trim()).ToList();
        var restore = lines.FindIndex(l => l.StartsWith("RUN dotnet restore " + project, StringComparison.Ordinal));
        var sources = lines.FindLastIndex(l => l == "COPY . .");
        var publish = lines.FindIndex(l => l.StartsWith("RUN dotnet publish " + project, StringComparison.Ordinal));
        Assert.True(restore > 0 && restore < sources && sources < publish, $"{dockerfile}: restore, then the sources, then publish (--no-restore)");
        Assert.Contains("--no-restore", lines[publish]);
        // Before the restore only project files and package pins are copied in (the projects stage deletes the rest).
        Assert.Contains(lines, l => l.StartsWith("RUN find . -type f ! -name '*.csproj'", StringComparison.Ordinal));
        var finalStage = lines.FindLastIndex(l => l.StartsWith("FROM ", StringComparison.Ordinal));
        Assert.All(lines.Skip(finalStage).Where(l => l.StartsWith("COPY", StringComparison.Ordinal)), l => Assert.Equal("COPY --from=build /app .", l));

        var ignored = File.ReadAllLines(Path.Combine(RepositoryRoot, ".dockerignore")).Select(l => l.Trim()).ToHashSet();
        Assert.Contains("tests", ignored);
        Assert.Contains("bench", ignored);
        Assert.Contains("**/bin", ignored);
        Assert.Contains("**/obj", ignored);
        var projectText = File.ReadAllText(Path.Combine(RepositoryRoot, project));
        Assert.DoesNotContain(@"..\tests", projectText);
        Assert.DoesNotContain(@"..\bench", projectText);
    }

    [Fact]
    public void The_edge_agent_unit_runs_the_agent_as_a_notify_service_that_may_write_its_buffer()
    {
        var unit = File.ReadAllLines(Path.Combine(Manifests.Deploy, "edge-agent", "nextgencrm-edge-agent.service"));
        string Value(string key) => unit.Single(l => l.StartsWith(key + "=", StringComparison.Ordinal))[(key.Length + 1)..];
        // Type=notify needs the agent to call AddSystemd, which tells systemd it started and is stopping.
        Assert.Equal("notify", Value("Type"));
        Assert.Contains("AddSystemd()", File.ReadAllText(Path.Combine(RepositoryRoot, "edge-agent", "Hosting", "AgentHost.cs")));
        Assert.Matches(@"NextGenCrm\.EdgeAgent run --config ", Value("ExecStart"));
        var buffer = unit.Single(l => l.StartsWith("Environment=EdgeAgent__Buffer__Directory=", StringComparison.Ordinal)).Split('=')[2];
        Assert.StartsWith(Value("ReadWritePaths"), buffer);
        Assert.Equal("strict", Value("ProtectSystem"));
    }

    /// <summary>
    /// The Prometheus names of the shared metric contract, as the exporter prints them (suffixes included); the edge
    /// buffer's capacity and size are in bytes (unit By), so its fill is bytes / capacity_bytes.
    /// </summary>
    private static readonly HashSet<string> KnownMetrics =
    [
        "nextgencrm_sightings_total", "nextgencrm_face_searches_total",
        "nextgencrm_face_search_duration_seconds_bucket", "nextgencrm_face_search_duration_seconds_sum", "nextgencrm_face_search_duration_seconds_count",
        "nextgencrm_visits_opened_total", "nextgencrm_visits_closed_total", "nextgencrm_deliveries_total",
        "nextgencrm_outbox_backlog", "nextgencrm_outbox_oldest_age_seconds", "nextgencrm_rekognition_throttles_total", "nextgencrm_silo_count",
        "nextgencrm_edge_frames_total", "nextgencrm_edge_buffer_depth", "nextgencrm_edge_buffer_bytes", "nextgencrm_edge_buffer_capacity_bytes",
        "nextgencrm_edge_buffer_dropped_total", "nextgencrm_edge_reidentified_total",
    ];

    [Fact]
    public void Alerts_and_dashboard_query_only_metrics_the_services_export_and_cover_what_operators_must_hear_of()
    {
        var rules = OfKind("PrometheusRule").SelectMany(r => List(r, "spec", "groups")).SelectMany(g => List(g, "rules")).ToList();
        var expressions = rules.Select(r => Str(r, "expr")!).ToList();
        var dashboard = JsonDocument.Parse(File.ReadAllText(Path.Combine(Manifests.Deploy, "grafana", "nextgencrm.json")));
        var panels = dashboard.RootElement.GetProperty("panels").EnumerateArray().Where(p => p.GetProperty("type").GetString() != "row").ToList();
        Assert.All(panels, p => Assert.NotEmpty(p.GetProperty("targets").EnumerateArray()));
        expressions.AddRange(panels.SelectMany(p => p.GetProperty("targets").EnumerateArray()).Select(t => t.GetProperty("expr").GetString()!));

        var used = expressions.SelectMany(e => MetricName().Matches(e).Select(m => m.Value)).ToHashSet();
        Assert.Empty(used.Except(KnownMetrics));
        foreach (var metric in new[] { "nextgencrm_outbox_oldest_age_seconds", "nextgencrm_deliveries_total", "nextgencrm_rekognition_throttles_total", "nextgencrm_silo_count", "nextgencrm_edge_buffer_capacity_bytes", "nextgencrm_edge_buffer_dropped_total" })
        {
            Assert.True(rules.Any(r => Str(r, "expr")!.Contains(metric, StringComparison.Ordinal) && Str(r, "alert") is not null), $"no alert on {metric}");
        }
        Assert.All(rules, r => Assert.True(Str(r, "labels", "severity") is "warning" or "critical" && Str(r, "annotations", "summary") is not null));
    }

    private static string RepositoryRoot => NextGenCrm.TestSupport.RepositoryPaths.Root;

    [GeneratedRegex(@"\bnextgencrm_[a-z_]+")]
    private static partial Regex MetricName();
}
