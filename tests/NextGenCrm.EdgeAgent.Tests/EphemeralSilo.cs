using NextGenCrm.TestSupport;

namespace NextGenCrm.EdgeAgent.Tests;

/// <summary>
/// The real silo on its embedded defaults, ephemeral (simulated face search, in-memory storage, localhost
/// clustering, nothing left in the user's data folder), with a signing key of its own.
/// </summary>
public static class EphemeralSilo
{
    public static Task<SiloProcess> StartAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        var folder = Directory.CreateTempSubdirectory("silo-key-").FullName;
        var keyFile = Path.Combine(folder, "signing-key.json");
        return SiloProcess.StartAsync(["--ephemeral", $"--Auth:SigningKeyFile={keyFile}", $"--Audit:Folder={Path.Combine(folder, "audit")}"],
            keyFile, timeout, cancellationToken);
    }
}
