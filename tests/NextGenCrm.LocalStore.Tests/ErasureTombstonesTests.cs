using Microsoft.Extensions.Time.Testing;
using NextGenCrm.Integrations.Embedded;
using NextGenCrm.Ports;

namespace NextGenCrm.LocalStore.Tests;

/// <summary>The embedded erasure fence, in memory and in the data folder: the same answers.</summary>
public abstract class ErasureTombstonesContract
{
    protected readonly FakeTimeProvider Clock = new(new DateTimeOffset(2026, 12, 1, 9, 0, 0, TimeSpan.Zero));
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    protected abstract IErasureTombstones NewTombstones();

    [Fact]
    public async Task A_tombstone_stands_for_the_erased_people_until_it_expires_and_a_later_one_extends_it()
    {
        var tombstones = NewTombstones();
        await tombstones.RecordAsync(["v-1", "c-42"], Clock.GetUtcNow().AddHours(1), Ct);

        Assert.True(await tombstones.IsErasedAsync("v-1", Ct));
        Assert.True(await tombstones.IsErasedAsync("c-42", Ct));
        Assert.False(await tombstones.IsErasedAsync("v-2", Ct));

        await tombstones.RecordAsync(["v-1"], Clock.GetUtcNow().AddHours(3), Ct);
        await tombstones.RecordAsync(["v-1"], Clock.GetUtcNow().AddMinutes(5), Ct); // an earlier expiry never shortens it
        Clock.Advance(TimeSpan.FromHours(2));
        Assert.True(await tombstones.IsErasedAsync("v-1", Ct));
        Assert.False(await tombstones.IsErasedAsync("c-42", Ct));
        Clock.Advance(TimeSpan.FromHours(1));
        Assert.False(await tombstones.IsErasedAsync("v-1", Ct));
    }
}

public sealed class InMemoryErasureTombstonesTests : ErasureTombstonesContract
{
    protected override IErasureTombstones NewTombstones() => new InMemoryErasureTombstones(Clock);
}

public sealed class SqliteErasureTombstonesTests : ErasureTombstonesContract, IDisposable
{
    private readonly TempFolder _folder = new();

    protected override IErasureTombstones NewTombstones() => new SqliteErasureTombstones(_folder.File("records.db"), Clock);

    [Fact]
    public async Task The_fence_outlives_a_restart()
    {
        var ct = TestContext.Current.CancellationToken;
        await NewTombstones().RecordAsync(["v-erased"], Clock.GetUtcNow().AddDays(1), ct);

        var afterRestart = NewTombstones(); // a new process reads the same file
        Assert.True(await afterRestart.IsErasedAsync("v-erased", ct));
        Assert.False(await afterRestart.IsErasedAsync("v-kept", ct));
    }

    public void Dispose() => _folder.Dispose();
}
