using System.Security.Cryptography;

namespace NextGenCrm.EdgeAgent.Delivery;

/// <summary>
/// Buffer records sealed at rest: AES-256-GCM with a random 96-bit nonce per record, as
/// <c>[1: version][12: nonce][ciphertext][16: tag]</c>. The buffer holds faces (crops or descriptors) until the silo
/// has them; sealed, a copy of its segments shows nothing without the key (<c>EdgeAgent:Buffer:KeyFile</c>). A record
/// an earlier agent wrote in the clear (JSON, so it begins with <c>{</c>) is read as it is and sent as before.
/// </summary>
internal sealed class BufferSeal(byte[] key)
{
    public const int KeyBytes = 32;
    private const byte Version = 1;
    private const int NonceSize = 12;
    private const int TagSize = 16;

    /// <summary>Bytes a sealed record has beyond its plaintext.</summary>
    public const int Overhead = 1 + NonceSize + TagSize;

    public byte[] Seal(ReadOnlySpan<byte> plaintext)
    {
        var sealedRecord = new byte[Overhead + plaintext.Length];
        sealedRecord[0] = Version;
        var nonce = sealedRecord.AsSpan(1, NonceSize);
        RandomNumberGenerator.Fill(nonce);
        using var aes = new AesGcm(key, TagSize);
        aes.Encrypt(nonce, plaintext, sealedRecord.AsSpan(1 + NonceSize, plaintext.Length), sealedRecord.AsSpan(1 + NonceSize + plaintext.Length));
        return sealedRecord;
    }

    /// <summary>The plaintext of <paramref name="record"/>; an unsealed record (an earlier agent's) as it is; null when this key cannot open it.</summary>
    public byte[]? Open(byte[] record)
    {
        if (IsClear(record))
        {
            return record;
        }
        if (record.Length < Overhead || record[0] != Version)
        {
            return null;
        }
        var plaintext = new byte[record.Length - Overhead];
        try
        {
            using var aes = new AesGcm(key, TagSize);
            aes.Decrypt(record.AsSpan(1, NonceSize), record.AsSpan(1 + NonceSize, plaintext.Length), record.AsSpan(1 + NonceSize + plaintext.Length), plaintext);
            return plaintext;
        }
        catch (AuthenticationTagMismatchException)
        {
            return null;
        }
    }

    /// <summary>A record written before records were sealed: the sighting's JSON.</summary>
    public static bool IsClear(ReadOnlySpan<byte> record) => record.Length > 0 && record[0] == (byte)'{';

    /// <summary>
    /// Reads the key from <paramref name="path"/> (base64 of 32 bytes). When there is none and <paramref name="mayCreate"/>
    /// (the buffer holds no sealed record), makes one, readable by the agent's user only.
    /// </summary>
    public static byte[] LoadOrCreateKey(string path, bool mayCreate)
    {
        if (File.Exists(path))
        {
            if (new FileInfo(path).Length > 1024)
            {
                throw new InvalidOperationException($"The buffer key {path} must hold the base64 of {KeyBytes} bytes (openssl rand -base64 {KeyBytes}); it is larger than any key.");
            }
            var text = File.ReadAllText(path).Trim();
            var key = new byte[KeyBytes];
            if (!Convert.TryFromBase64String(text, key, out var written) || written != KeyBytes)
            {
                throw new InvalidOperationException($"The buffer key {path} must hold the base64 of {KeyBytes} bytes (openssl rand -base64 {KeyBytes}).");
            }
            return key;
        }
        if (!mayCreate)
        {
            throw new InvalidOperationException(
                $"The buffer key {path} is missing, and the buffer holds sightings sealed with it: restore the key file, or move the buffer folder away to start an empty one (its sightings cannot be read without the key).");
        }
        var made = RandomNumberGenerator.GetBytes(KeyBytes);
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }
        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
            using var file = new FileStream(path, options);
            file.Write(System.Text.Encoding.ASCII.GetBytes(Convert.ToBase64String(made)));
            file.Flush(flushToDisk: true);
        }
        catch (Exception failure) when (failure is IOException or UnauthorizedAccessException)
        {
            throw new InvalidOperationException(
                $"The buffer key {path} does not exist and cannot be made there ({failure.GetType().Name}): provision it (openssl rand -base64 {KeyBytes}) or let EdgeAgent:Buffer:KeyFile default to the buffer folder.", failure);
        }
        return made;
    }
}
