using Microsoft.Extensions.Options;

namespace NextGenCrm.Silo.Configuration;

/// <summary>The "Directory" section: the demo customers the simulated face search enrols at start.</summary>
public sealed class DemoCustomersOptions
{
    public const string SectionName = "Directory";

    /// <summary>The demo customers file; empty = <c>demo-customers.json</c> beside the binary.</summary>
    public string DemoCustomersPath { get; set; } = "";

    public string File => DemoCustomersPath is { Length: > 0 } configured ? configured : Path.Combine(AppContext.BaseDirectory, "demo-customers.json");
}

public sealed class DemoCustomersOptionsValidator : IValidateOptions<DemoCustomersOptions>
{
    public ValidateOptionsResult Validate(string? name, DemoCustomersOptions options) =>
        options.DemoCustomersPath.Length > 0 && !System.IO.File.Exists(options.DemoCustomersPath)
            ? ValidateOptionsResult.Fail($"{DemoCustomersOptions.SectionName}:DemoCustomersPath '{options.DemoCustomersPath}' is not a file.")
            : ValidateOptionsResult.Success;
}
