using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using NextGenCrm.Ports;

namespace NextGenCrm.Integrations.Embedded;

/// <summary>
/// Face crops in a local folder, encrypted at rest with AES-GCM. Without a configured key each run
/// uses a fresh random one, so crops of an earlier run cannot be read back: acceptable for a laptop
/// demo, and never a face left readable on disk.
/// </summary>
public sealed partial class LocalFolderImageStore : IImageStore
{
    private const int NonceSize = 12;
    private const int TagSize = 16;
    private readonly string _root;
    private readonly byte[] _key;
    private readonly string _prefix;

    public LocalFolderImageStore(IOptions<LocalImageOptions> options, ILogger<LocalFolderImageStore> logger)
    {
        var settings = options.Value;
        _root = Path.GetFullPath(settings.Folder);
        _prefix = settings.Prefix;
        if (string.IsNullOrEmpty(settings.EncryptionKey))
        {
            _key = RandomNumberGenerator.GetBytes(32);
            LogEphemeralKey(logger);
        }
        else
        {
            _key = Convert.FromBase64String(settings.EncryptionKey);
        }
    }

    public async Task<string> PutAsync(CropLocation crop, ReadOnlyMemory<byte> jpegOrPng, CancellationToken cancellationToken)
    {
        var key = crop.ToKey(_prefix);
        var path = PathOf(key);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var sealedBytes = new byte[NonceSize + TagSize + jpegOrPng.Length];
        var nonce = sealedBytes.AsSpan(0, NonceSize);
        RandomNumberGenerator.Fill(nonce);
        using (var aes = new AesGcm(_key, TagSize))
        {
            aes.Encrypt(nonce, jpegOrPng.Span, sealedBytes.AsSpan(NonceSize + TagSize), sealedBytes.AsSpan(NonceSize, TagSize));
        }
        await File.WriteAllBytesAsync(path, sealedBytes, cancellationToken);
        return key;
    }

    /// <summary>The local folder serves no links; staff tasks go out without a picture in this mode.</summary>
    public Task<Uri?> GetLinkAsync(string imageKey, CancellationToken cancellationToken) => Task.FromResult<Uri?>(null);

    public Task<bool> ExistsAsync(string imageKey, CancellationToken cancellationToken)
    {
        try
        {
            return Task.FromResult(File.Exists(PathOf(imageKey)));
        }
        catch (ArgumentException)
        {
            return Task.FromResult(false); // a key outside the image folder names nothing here
        }
    }

    public Task<bool> DeleteAsync(string imageKey, CancellationToken cancellationToken)
    {
        var path = PathOf(imageKey);
        if (!File.Exists(path))
        {
            return Task.FromResult(false);
        }
        File.Delete(path);
        return Task.FromResult(true);
    }

    /// <summary>How many crops are stored under a key prefix, such as a branch's (tests, erasure checks).</summary>
    public int CountUnder(string keyPrefix)
    {
        var folder = Path.GetFullPath(Path.Combine(_root, keyPrefix));
        return folder.StartsWith(_root, StringComparison.Ordinal) && Directory.Exists(folder)
            ? Directory.EnumerateFiles(folder, "*.jpg", SearchOption.AllDirectories).Count()
            : 0;
    }

    /// <summary>Reads a crop back (tests, erasure checks).</summary>
    public async Task<byte[]> ReadAsync(string imageKey, CancellationToken cancellationToken)
    {
        var sealedBytes = await File.ReadAllBytesAsync(PathOf(imageKey), cancellationToken);
        var plain = new byte[sealedBytes.Length - NonceSize - TagSize];
        using var aes = new AesGcm(_key, TagSize);
        aes.Decrypt(sealedBytes.AsSpan(0, NonceSize), sealedBytes.AsSpan(NonceSize + TagSize), sealedBytes.AsSpan(NonceSize, TagSize), plain);
        return plain;
    }

    /// <summary>Deletes crops older than <paramref name="retention"/>; returns how many.</summary>
    public int DeleteOlderThan(TimeSpan retention, DateTimeOffset now)
    {
        if (!Directory.Exists(_root))
        {
            return 0;
        }
        var deleted = 0;
        foreach (var file in Directory.EnumerateFiles(_root, "*.jpg", SearchOption.AllDirectories))
        {
            if (now - File.GetLastWriteTimeUtc(file) > retention)
            {
                File.Delete(file);
                deleted++;
            }
        }
        return deleted;
    }

    private string PathOf(string imageKey)
    {
        var path = Path.GetFullPath(Path.Combine(_root, imageKey));
        if (!path.StartsWith(_root + Path.DirectorySeparatorChar, StringComparison.Ordinal))
        {
            throw new ArgumentException("The image key points outside the image folder.", nameof(imageKey));
        }
        return path;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Images:EncryptionKey is not set: face crops are encrypted with a key that lives only as long as this process")]
    private static partial void LogEphemeralKey(ILogger logger);
}
