using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace NextGenCrm.ServiceDefaults;

/// <summary>
/// The one way options are bound: a section, a class, its <see cref="IValidateOptions{TOptions}"/> beside it, checked
/// at start. A choice the host must make before its container exists binds the same class with the same validator.
/// </summary>
public static class ValidatedOptions
{
    /// <summary><c>AddOptions().BindConfiguration(section).ValidateOnStart()</c> and the validator, once.</summary>
    public static OptionsBuilder<TOptions> AddValidatedOptions<TOptions, TValidator>(this IServiceCollection services, string sectionName)
        where TOptions : class
        where TValidator : class, IValidateOptions<TOptions>
    {
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<TOptions>, TValidator>());
        return services.AddOptions<TOptions>().BindConfiguration(sectionName).ValidateOnStart();
    }

    /// <summary>
    /// The same, bound from <paramref name="configuration"/>: for a registration that is handed a configuration other
    /// than the host's (the grains' visit policy, which test clusters give their own).
    /// </summary>
    public static OptionsBuilder<TOptions> AddValidatedOptions<TOptions, TValidator>(this IServiceCollection services, IConfiguration configuration, string sectionName)
        where TOptions : class
        where TValidator : class, IValidateOptions<TOptions>
    {
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<TOptions>, TValidator>());
        return services.AddOptions<TOptions>().Bind(configuration.GetSection(sectionName)).ValidateOnStart();
    }

    /// <summary>
    /// The section bound and validated now (a host decision: which adapter, which provider). A value of the wrong type
    /// or a failed rule throws <see cref="OptionsValidationException"/> naming the key, as <c>ValidateOnStart</c> would.
    /// </summary>
    public static TOptions GetValidatedOptions<TOptions, TValidator>(this IConfiguration configuration, string sectionName)
        where TOptions : class, new()
        where TValidator : IValidateOptions<TOptions>, new()
    {
        var failures = new List<string>();
        var options = configuration.GetValidatedOptions<TOptions, TValidator>(sectionName, failures);
        ThrowIfAny<TOptions>(sectionName, failures);
        return options;
    }

    /// <summary>The same, adding the failures to <paramref name="failures"/>: a host that reads several sections reports them all at once.</summary>
    public static TOptions GetValidatedOptions<TOptions, TValidator>(this IConfiguration configuration, string sectionName, ICollection<string> failures)
        where TOptions : class, new()
        where TValidator : IValidateOptions<TOptions>, new()
    {
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentNullException.ThrowIfNull(failures);
        var options = new TOptions();
        try
        {
            configuration.GetSection(sectionName).Bind(options);
        }
        catch (InvalidOperationException wrongType)
        {
            // The binder's message names the key and the type it wanted.
            failures.Add(wrongType.Message);
            return options;
        }
        var result = new TValidator().Validate(Options.DefaultName, options);
        foreach (var failure in result.Failures ?? [])
        {
            failures.Add(failure);
        }
        return options;
    }

    /// <summary>A start-up failure that involves several sections (an impossible combination), in the same exception.</summary>
    public static void ThrowIfAny<TOptions>(string sectionName, IReadOnlyCollection<string> failures)
    {
        if (failures.Count > 0)
        {
            throw new OptionsValidationException(sectionName, typeof(TOptions), failures);
        }
    }
}
