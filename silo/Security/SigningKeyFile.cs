using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.IdentityModel.Tokens;

namespace NextGenCrm.Silo.Security;

/// <summary>
/// The Development mode's signing key: 512 random bits in a file readable by its owner only, created by
/// whichever silo (or `tokens` command) starts first. Every silo of a local cluster reads the same file, so
/// a token issued by one is accepted by all.
/// </summary>
public static class SigningKeyFile
{
    private sealed record Stored(string KeyId, string Key);

    public static SymmetricSecurityKey LoadOrCreate(string path)
    {
        if (File.Exists(path))
        {
            return Read(path);
        }
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var stored = new Stored(Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8)), Convert.ToBase64String(RandomNumberGenerator.GetBytes(64)));
        var temporary = $"{path}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp";
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }
        using (var file = new FileStream(temporary, options))
        {
            JsonSerializer.Serialize(file, stored);
            file.Flush(flushToDisk: true);
        }
        try
        {
            // No overwrite: when two silos start together the first key written is the one both use.
            File.Move(temporary, path, overwrite: false);
        }
        catch (IOException) when (File.Exists(path))
        {
            File.Delete(temporary);
        }
        return Read(path);
    }

    private static SymmetricSecurityKey Read(string path)
    {
        Stored? stored;
        try
        {
            stored = JsonSerializer.Deserialize<Stored>(File.ReadAllText(path));
        }
        catch (JsonException)
        {
            stored = null;
        }
        var bytes = new byte[64];
        if (stored is null || !Convert.TryFromBase64String(stored.Key ?? "", bytes, out var length) || length < 32)
        {
            throw new InvalidDataException($"The signing key file {path} is not a key this silo wrote; delete it to make a new one (tokens issued with it stop working).");
        }
        return new SymmetricSecurityKey(bytes[..length]) { KeyId = stored.KeyId };
    }
}
