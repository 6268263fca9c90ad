using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using NextGenCrm.Integrations.Embedded;
using NextGenCrm.Ports;
using NextGenCrm.Silo.Configuration;
using NextGenCrm.Silo.Extensions;

namespace NextGenCrm.Tests.Scenarios;

/// <summary>The embedded mode keeps its records in the data folder by default; --ephemeral keeps them in memory.</summary>
public sealed class LocalStoreConfigurationTests : IDisposable
{
    private readonly string _dataDir = Path.Combine(Path.GetTempPath(), $"nextgencrm-config-{Guid.NewGuid():N}");

    private static WebApplication Build(params string[] args)
    {
        var builder = WebApplication.CreateBuilder(LocalStoreOptions.TranslateArguments(args));
        builder.AddNextGenCrmSilo();
        return builder.Build();
    }

    [Fact]
    public async Task With_a_data_folder_the_directory_faces_and_history_are_kept_in_it()
    {
        await using var app = Build("--data-dir", _dataDir);

        Assert.IsType<SqliteCustomerDirectory>(app.Services.GetRequiredService<ICustomerDirectory>());
        Assert.IsType<SqliteVisitHistory>(app.Services.GetRequiredService<IVisitHistory>());
        await app.Services.GetRequiredService<ICustomerDirectory>().EnrolAsync("c-1", new Customer("1", "Ann"), CancellationToken.None);
        Assert.True(File.Exists(Path.Combine(_dataDir, "records.db")));
        var local = app.Services.GetRequiredService<LocalStore>();
        Assert.True(local.InUse);
        Assert.Equal(_dataDir, local.DataDir);
    }

    [Fact]
    public async Task Ephemeral_keeps_nothing_of_a_person_on_disk()
    {
        await using var app = Build($"--data-dir={_dataDir}", "--ephemeral");

        Assert.IsType<InMemoryCustomerDirectory>(app.Services.GetRequiredService<ICustomerDirectory>());
        Assert.IsType<InMemoryVisitHistory>(app.Services.GetRequiredService<IVisitHistory>());
        Assert.IsType<InMemoryAuditLog>(app.Services.GetRequiredService<IAuditLog>());
        // Only the development signing key, which `silo tokens` and every silo of the machine share.
        var kept = Directory.Exists(_dataDir) ? Directory.GetFileSystemEntries(_dataDir).Select(Path.GetFileName).ToArray() : [];
        Assert.True(kept is [] or ["signing-key.json"], $"kept on disk: {string.Join(", ", kept)}");
    }

    [Fact]
    public void A_data_folder_that_cannot_be_written_stops_the_host_naming_the_key()
    {
        var file = Path.Combine(Path.GetTempPath(), $"nextgencrm-not-a-folder-{Guid.NewGuid():N}");
        File.WriteAllText(file, "");
        try
        {
            var wrong = Assert.Throws<OptionsValidationException>(() => Build("--data-dir", Path.Combine(file, "data")));

            Assert.Contains("Silo:DataDir", wrong.Message, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public void Asking_for_the_local_grain_store_and_for_nothing_on_disk_is_a_contradiction_named_at_start()
    {
        var wrong = Assert.Throws<OptionsValidationException>(() => Build("--ephemeral", "--Orleans:GrainStorage:visits:ProviderType=Sqlite"));

        Assert.Contains("Orleans:GrainStorage:visits:ProviderType", wrong.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_cluster_of_several_machines_with_grain_state_on_one_is_refused_at_start()
    {
        var wrong = Assert.Throws<OptionsValidationException>(() => Build("--data-dir", _dataDir, "--Orleans:Clustering:ProviderType=DynamoDB"));

        Assert.Contains("Orleans:GrainStorage:visits:ProviderType", wrong.Message, StringComparison.Ordinal);
    }

    public void Dispose()
    {
        if (Directory.Exists(_dataDir))
        {
            Directory.Delete(_dataDir, recursive: true);
        }
    }
}
