namespace NextGenCrm.Silo.Configuration;

/// <summary>A setting the host cannot start with; the message names the key.</summary>
public sealed class InvalidSettingException(string message) : Exception(message);

internal static class ConfigurationReader
{
    public static T Bind<T>(IConfiguration configuration, string section) where T : new()
    {
        var options = new T();
        try
        {
            configuration.GetSection(section).Bind(options);
        }
        catch (InvalidOperationException wrongType)
        {
            // The binder's message names the key and the type it wanted.
            throw new InvalidSettingException(wrongType.Message);
        }
        return options;
    }

    public static void ThrowIfAny(IReadOnlyCollection<string> errors)
    {
        if (errors.Count > 0)
        {
            throw new InvalidSettingException(string.Join(Environment.NewLine, errors));
        }
    }
}
