using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using NextGenCrm.Integrations.Embedded;
using NextGenCrm.Ports;

namespace NextGenCrm.Tests.Scenarios;

public sealed class LocalImageStoreTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "nextgencrm-images", Guid.NewGuid().ToString("N"));

    private LocalFolderImageStore Store() => new(
        Options.Create(new LocalImageOptions { Folder = _folder, EncryptionKey = Convert.ToBase64String(new byte[32]) }),
        NullLogger<LocalFolderImageStore>.Instance);

    [Fact]
    public async Task A_crop_is_stored_encrypted_under_the_original_key_layout_and_reads_back()
    {
        var crop = new byte[] { 0xFF, 0xD8, 0xFF, 0xE0, 1, 2, 3, 4, 5, 6, 7, 8 };
        var store = Store();

        var key = await store.PutAsync(new CropLocation("main-st", "lobby", new DateTimeOffset(2026, 11, 28, 10, 0, 0, TimeSpan.Zero), "s1"), crop, TestContext.Current.CancellationToken);

        Assert.Equal("DeepLens Images/main-st/lobby/2026-11-28/s1.jpg", key);
        var onDisk = await File.ReadAllBytesAsync(Path.Combine(_folder, key), TestContext.Current.CancellationToken);
        Assert.DoesNotContain(onDisk.Chunk(4), c => c.SequenceEqual(crop[..4]));
        Assert.Equal(crop, await store.ReadAsync(key, TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task Crops_past_retention_are_deleted_and_younger_ones_kept()
    {
        var store = Store();
        var old = await store.PutAsync(new CropLocation("b", "c", DateTimeOffset.UtcNow, "old"), new byte[] { 0xFF, 0xD8, 0xFF }, TestContext.Current.CancellationToken);
        var young = await store.PutAsync(new CropLocation("b", "c", DateTimeOffset.UtcNow, "young"), new byte[] { 0xFF, 0xD8, 0xFF }, TestContext.Current.CancellationToken);
        File.SetLastWriteTimeUtc(Path.Combine(_folder, old), DateTime.UtcNow.AddDays(-31));

        var deleted = store.DeleteOlderThan(TimeSpan.FromDays(30), DateTimeOffset.UtcNow);

        Assert.Equal(1, deleted);
        Assert.False(File.Exists(Path.Combine(_folder, old)));
        Assert.True(File.Exists(Path.Combine(_folder, young)));
    }

    [Fact]
    public async Task An_erased_crop_is_counted_once_and_is_gone_from_the_folder()
    {
        var store = Store();
        var key = await store.PutAsync(new CropLocation("erase-b", "c", DateTimeOffset.UtcNow, "s1"), new byte[] { 0xFF, 0xD8, 0xFF }, TestContext.Current.CancellationToken);
        Assert.Equal(1, store.CountUnder("DeepLens Images/erase-b/"));

        Assert.True(await store.DeleteAsync(key, TestContext.Current.CancellationToken));
        Assert.False(await store.DeleteAsync(key, TestContext.Current.CancellationToken));

        Assert.Equal(0, store.CountUnder("DeepLens Images/erase-b/"));
        Assert.False(await store.ExistsAsync(key, TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task A_key_that_escapes_the_folder_is_refused()
    {
        await Assert.ThrowsAsync<ArgumentException>(() => Store().ReadAsync("../../etc/passwd", TestContext.Current.CancellationToken));
    }

    public void Dispose()
    {
        if (Directory.Exists(_folder))
        {
            Directory.Delete(_folder, recursive: true);
        }
    }
}
