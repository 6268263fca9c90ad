using System.Security.Cryptography;

namespace NextGenCrm.Silo.Configuration;

/// <summary>
/// The crops' AES-256 key of a durable data folder when Images:EncryptionKey is not set: made once, kept in a
/// file only this user can read, so crops written before a restart can be read after it. Deleting the file
/// makes every crop in the folder unreadable.
/// </summary>
internal static class LocalImageKey
{
    public static string ReadOrCreate(string path)
    {
        if (File.Exists(path))
        {
            return File.ReadAllText(path).Trim();
        }
        var key = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
        var temporary = path + $".{Environment.ProcessId}.tmp";
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }
        using (var file = new FileStream(temporary, options))
        using (var writer = new StreamWriter(file))
        {
            writer.Write(key);
            writer.Flush();
            file.Flush(flushToDisk: true);
        }
        try
        {
            File.Move(temporary, path, overwrite: false);
        }
        catch (IOException) when (File.Exists(path))
        {
            File.Delete(temporary); // another start made it first: use theirs
        }
        return File.ReadAllText(path).Trim();
    }
}
