using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using NextGenCrm.Orleans.Contracts;
using NextGenCrm.Orleans.Sqlite;
using NextGenCrm.Orleans.Sqlite.Reminders;
using NextGenCrm.Orleans.Sqlite.Storage;
using Orleans;
using Orleans.Configuration;
using Orleans.Runtime;
using Orleans.Serialization;
using Orleans.Serialization.Serializers;
using Orleans.Storage;

namespace NextGenCrm.LocalStore.Tests;

public sealed class SqliteGrainStorageTests : GrainStorageContract, IDisposable
{
    private static readonly ServiceProvider Serialization = new ServiceCollection().AddSerializer().BuildServiceProvider();
    private readonly TempFolder _folder = new();

    protected override Task<IGrainStorage> NewStorageAsync() => Task.FromResult<IGrainStorage>(Open(_folder.File($"{Guid.NewGuid():N}.db")));

    protected override async Task<bool> RowExistsAsync(IGrainStorage storage, GrainId grain)
    {
        await using var connection = new SqliteConnection($"Data Source={_paths[storage]}");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT COUNT(*) FROM grain_state WHERE grain_key LIKE $key";
        command.Parameters.AddWithValue("$key", "%/" + grain);
        return (long)(await command.ExecuteScalarAsync())! > 0;
    }

    private readonly Dictionary<IGrainStorage, string> _paths = [];

    [Fact]
    public async Task A_state_written_by_one_process_is_read_by_the_next_from_the_same_file()
    {
        var path = _folder.File("restart.db");
        var grain = NewGrain();
        var written = new GrainState<VisitLogState> { State = new VisitLogState { BranchId = "branch-9", Entries = ["opened"] } };
        await Open(path).WriteStateAsync(StateName, grain, written);

        var read = await ReadAsync(Open(path), grain);

        Assert.True(read.RecordExists);
        Assert.Equal(written.ETag, read.ETag);
        Assert.Equal(["opened"], read.State!.Entries);
    }

    [Fact]
    public async Task Two_services_share_a_file_without_seeing_each_others_grains()
    {
        var path = _folder.File("shared.db");
        var grain = NewGrain();
        await Open(path, "service-a").WriteStateAsync(StateName, grain, new GrainState<VisitLogState> { State = new VisitLogState { BranchId = "a" } });

        var read = await ReadAsync(Open(path, "service-b"), grain);

        Assert.False(read.RecordExists);
    }

    private SqliteGrainStorage Open(string path, string serviceId = "nextgencrm")
    {
        var options = new SqliteGrainStorageOptions
        {
            DatabasePath = path,
            GrainStorageSerializer = new OrleansGrainStorageSerializer(Serialization.GetRequiredService<Serializer>()),
        };
        var storage = new SqliteGrainStorage("test", options, Options.Create(new ClusterOptions { ServiceId = serviceId }),
            Serialization.GetRequiredService<IActivatorProvider>(), NullLogger<SqliteGrainStorage>.Instance);
        _paths[storage] = path;
        return storage;
    }

    public void Dispose() => _folder.Dispose();
}

public sealed class SqliteReminderTableTests : ReminderTableContract, IDisposable
{
    private readonly TempFolder _folder = new();

    protected override async Task<IReminderTable> NewTableAsync()
    {
        var table = Open(_folder.File($"{Guid.NewGuid():N}.db"));
        await table.StartAsync();
        return table;
    }

    [Fact]
    public async Task Reminders_outlive_the_process_that_registered_them()
    {
        var path = _folder.File("restart.db");
        var reminder = Reminder(NewGrain(), "visit-backstop");
        var etag = await Open(path).UpsertRow(reminder);

        var read = await Open(path).ReadRow(reminder.GrainId, "visit-backstop");

        Assert.NotNull(read);
        Assert.Equal(etag, read.ETag);
        Assert.Single((await Open(path).ReadRows(0, 0)).Reminders);
    }

    private static SqliteReminderTable Open(string path) =>
        new(Options.Create(new SqliteReminderTableOptions { DatabasePath = path }), Options.Create(new ClusterOptions { ServiceId = "nextgencrm" }));

    public void Dispose() => _folder.Dispose();
}
