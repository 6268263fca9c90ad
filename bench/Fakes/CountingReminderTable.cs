namespace NextGenCrm.Bench.Fakes;

/// <summary>Wraps the silo's in-memory reminder table: each row written or deleted is one DynamoDB write.</summary>
public sealed class CountingReminderTable(IReminderTable inner, Ledger ledger) : IReminderTable
{
    public Task StartAsync(CancellationToken cancellationToken = default) => inner.StartAsync(cancellationToken);
    public Task StopAsync(CancellationToken cancellationToken = default) => inner.StopAsync(cancellationToken);
    public Task<ReminderTableData> ReadRows(GrainId grainId) => inner.ReadRows(grainId);
    public Task<ReminderTableData> ReadRows(uint begin, uint end) => inner.ReadRows(begin, end);
    public Task<ReminderEntry?> ReadRow(GrainId grainId, string reminderName) => inner.ReadRow(grainId, reminderName);
    public Task TestOnlyClearTable() => inner.TestOnlyClearTable();

    public Task<string?> UpsertRow(ReminderEntry entry)
    {
        ledger.ReminderWritten();
        return inner.UpsertRow(entry);
    }

    public Task<bool> RemoveRow(GrainId grainId, string reminderName, string eTag)
    {
        ledger.ReminderWritten();
        return inner.RemoveRow(grainId, reminderName, eTag);
    }
}
