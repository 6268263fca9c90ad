using System.CommandLine;
using NextGenCrm.ServiceDefaults;
using NextGenCrm.Silo.Configuration;

namespace NextGenCrm.Silo.Security;

/// <summary>
/// `silo tokens --role edge --branch main-st`: prints a Development-mode token signed with the silo's key file
/// (created if no silo has started yet). The token alone goes to stdout, so scripts can take it as it is.
/// </summary>
public static class TokensCommand
{
    public static Task<int> RunAsync(string[] args)
    {
        // Settings such as --Auth:SigningKeyFile=… or --Silo:DataDir=… are read as the silo reads them.
        var settings = args.Where(IsSetting).ToArray();
        args = [.. args.Where(a => !IsSetting(a))];
        Option<string[]> roles = new("--role")
        {
            Description = "A role of the token: edge, staff, enrolment, privacy or admin (repeat for several)",
            Required = true,
            AllowMultipleArgumentsPerToken = false,
        };
        roles.AcceptOnlyFromAmong(Roles.All);
        Option<string[]> branches = new("--branch")
        {
            Description = "A branch id the token reaches, or * for all (repeat for several); required for edge and staff",
        };
        Option<TimeSpan> validFor = new("--valid-for")
        {
            Description = "How long the token is valid, d.hh:mm:ss",
            DefaultValueFactory = _ => TimeSpan.FromHours(12),
        };
        Option<string?> subject = new("--subject") { Description = "Who the token names in the audit log (default: dev-{role})" };
        Option<string?> keyFile = new("--key-file") { Description = "The signing key file (default: Auth:SigningKeyFile, else signing-key.json under Silo:DataDir)" };
        Option<bool> signIn = new("--sign-in") { Description = "Print the staff dashboard's sign-in link (the token after '#', never sent to a server) instead of the token" };
        Option<string?> url = new("--url") { Description = "The silo's address for --sign-in (default: the first of Urls, else http://127.0.0.1:5080)" };

        var command = new RootCommand("Prints a bearer token for the silo's API in the Development auth mode.")
        {
            roles, branches, validFor, subject, keyFile, signIn, url,
        };
        command.SetAction(result =>
        {
            var configuration = new ConfigurationBuilder()
                .AddJsonFile(Path.Combine(AppContext.BaseDirectory, "appsettings.json"), optional: true)
                .AddEnvironmentVariables()
                .AddCommandLine(settings)
                .Build();
            AuthOptions auth;
            LocalStoreOptions local;
            try
            {
                auth = configuration.GetValidatedOptions<AuthOptions, AuthOptionsValidator>(AuthOptions.SectionName);
                local = configuration.GetValidatedOptions<LocalStoreOptions, LocalStoreOptionsValidator>(LocalStoreOptions.SectionName);
            }
            catch (Microsoft.Extensions.Options.OptionsValidationException wrong)
            {
                Console.Error.WriteLine($"Configuration error: {wrong.Message}");
                return 2;
            }
            if (auth.Mode != AuthMode.Development)
            {
                Console.Error.WriteLine("Auth:Mode is Oidc: tokens come from the identity provider, not from the silo.");
                return 2;
            }
            var roleList = result.GetValue(roles) ?? [];
            var branchList = result.GetValue(branches) ?? [];
            if (branchList.Length == 0 && roleList.Any(r => r is Roles.Edge or Roles.Staff))
            {
                Console.Error.WriteLine("An edge or staff token needs --branch (a branch id, or * for all).");
                return 2;
            }
            var period = result.GetValue(validFor);
            if (period <= TimeSpan.Zero)
            {
                Console.Error.WriteLine("--valid-for must be positive.");
                return 2;
            }
            var path = result.GetValue(keyFile) is { } explicitPath ? Path.GetFullPath(explicitPath) : auth.KeyFileIn(local);
            var tokens = new DevelopmentTokens(SigningKeyFile.LoadOrCreate(path), auth.Audiences[0], TimeProvider.System);
            var token = tokens.Issue(result.GetValue(subject) ?? $"dev-{roleList[0]}", roleList, branchList, period);
            if (result.GetValue(signIn))
            {
                var address = result.GetValue(url) ?? configuration["Urls"]?.Split(';')[0] ?? "http://127.0.0.1:5080";
                Console.Out.WriteLine(Dashboard.DashboardSession.SignInLink(address, token));
                Console.Error.WriteLine($"Valid until {DateTimeOffset.UtcNow + period:u}. Open it in a browser; the page keeps the token in an HttpOnly cookie.");
                return 0;
            }
            Console.Out.WriteLine(token);
            Console.Error.WriteLine($"Signed with {path}; valid until {DateTimeOffset.UtcNow + period:u}. Send it as: Authorization: Bearer <token>");
            return 0;
        });
        return command.Parse(args).InvokeAsync();
    }

    private static bool IsSetting(string arg) => arg.StartsWith("--", StringComparison.Ordinal) && arg.Contains(':', StringComparison.Ordinal) && arg.Contains('=', StringComparison.Ordinal);
}
