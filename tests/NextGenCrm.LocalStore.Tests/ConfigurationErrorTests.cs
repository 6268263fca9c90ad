using System.Diagnostics;
using NextGenCrm.TestSupport;

namespace NextGenCrm.LocalStore.Tests;

/// <summary>The real silo process refuses a wrong setting: exit code 2 and one "Configuration error:" naming the key.</summary>
public sealed class ConfigurationErrorTests
{
    [Theory]
    [InlineData("--Audit:Store=DynamoDb", "Audit:Store is no longer read: use Audit:Provider")] // chosen before the container exists
    [InlineData("--Sqs:Enabled=true", "Sqs:Enabled=true needs Sqs:SightingsQueueUrl")] // an impossible combination
    [InlineData("--Orleans:Endpoints:SiloPort=abc", "Orleans:Endpoints:SiloPort")] // a value of the wrong type
    [InlineData("--Ingest:MaxBatchSize=0", "Ingest:MaxBatchSize must be between 1 and 10000")] // ValidateOnStart
    [InlineData("--FaceSearch:Simulated:Detection:ScoreThreshold=5", "FaceSearch:Simulated:Detection:ScoreThreshold must be between 0 and 1")] // the detector's settings
    public async Task A_wrong_setting_stops_the_silo_with_exit_code_2_naming_the_key(string setting, string named)
    {
        var output = Path.Combine(RepositoryPaths.Root, "silo", "bin",
            AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}", StringComparison.Ordinal) ? "Release" : "Debug", "net10.0");
        var start = new ProcessStartInfo("dotnet") { WorkingDirectory = output, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in new[]
        {
            Path.Combine(output, "NextGenCrm.Silo.dll"), "--ephemeral", $"--Urls=http://127.0.0.1:{SiloProcess.FreePort()}",
            $"--Orleans:Endpoints:SiloPort={SiloProcess.FreePort()}", $"--Orleans:Endpoints:GatewayPort={SiloProcess.FreePort()}", setting,
        })
        {
            start.ArgumentList.Add(arg);
        }
        using var silo = Process.Start(start)!;
        var stdout = silo.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        var stderr = silo.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(90));
        try
        {
            await silo.WaitForExitAsync(timeout.Token);
        }
        finally
        {
            if (!silo.HasExited)
            {
                silo.Kill(entireProcessTree: true);
            }
        }
        await stdout;

        Assert.Equal(2, silo.ExitCode);
        var error = await stderr;
        Assert.Contains("Configuration error: ", error, StringComparison.Ordinal);
        Assert.Contains(named, error, StringComparison.Ordinal);
    }
}
