using Microsoft.Extensions.Options;

namespace NextGenCrm.Silo.Configuration;

/// <summary>The "Kubernetes" section: whether the silo runs in a pod (deploy/kubernetes sets it; nothing guesses).</summary>
public sealed class KubernetesOptions
{
    public const string SectionName = "Kubernetes";

    /// <summary>Orleans' Kubernetes hosting: silo named for its pod, pod labels, deleted pods' silos declared dead.</summary>
    public bool Enabled { get; set; }

    /// <summary>The variables a pod must pass (downward API); Orleans' Kubernetes hosting reads them.</summary>
    public static readonly string[] PodVariables = ["POD_NAME", "POD_NAMESPACE", "POD_IP", "ORLEANS_SERVICE_ID", "ORLEANS_CLUSTER_ID"];
}

public sealed class KubernetesOptionsValidator : IValidateOptions<KubernetesOptions>
{
    public ValidateOptionsResult Validate(string? name, KubernetesOptions options)
    {
        var missing = KubernetesOptions.PodVariables.Where(v => string.IsNullOrEmpty(Environment.GetEnvironmentVariable(v))).ToList();
        return options.Enabled && missing.Count > 0
            ? ValidateOptionsResult.Fail($"{KubernetesOptions.SectionName}:Enabled needs the pod's environment variables {string.Join(", ", missing)} (deploy/kubernetes/silo.yaml passes them).")
            : ValidateOptionsResult.Success;
    }
}
