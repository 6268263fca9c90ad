using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using NextGenCrm.Orleans.DynamoDb.Reminders;
using Orleans;
using Orleans.Configuration;
using Orleans.Runtime;
using NextGenCrm.Orleans.Contracts;

namespace NextGenCrm.Orleans.DynamoDb.Tests;

public sealed class ReminderTableTests(DynamoDbLocalFixture dynamo) : ReminderTableContract, IDisposable
{
    private readonly List<IDisposable> _tables = [];

    public void Dispose() => _tables.ForEach(t => t.Dispose());

    protected override async Task<IReminderTable> NewTableAsync() => await NewTableAsync(null);

    protected override async Task<IReminderTable> NewLargeTableAsync()
    {
        var options = dynamo.Options<DynamoDBReminderStorageOptions>("reminders");
        options.QueryPageSize = 100; // 1,200 reminders then span many pages
        return await NewTableAsync(options);
    }

    private async Task<DynamoDBReminderTable> NewTableAsync(DynamoDBReminderStorageOptions? options)
    {
        var table = new DynamoDBReminderTable(
            Options.Create(options ?? dynamo.Options<DynamoDBReminderStorageOptions>("reminders")),
            DynamoDbLocalFixture.Cluster(),
            NullLogger<DynamoDBReminderTable>.Instance);
        _tables.Add(table);
        await table.StartAsync(CancellationToken.None);
        return table;
    }
}
