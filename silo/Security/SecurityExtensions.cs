using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.DependencyInjection.Extensions;
using NextGenCrm.Integrations.Embedded;
using NextGenCrm.Ports;
using Microsoft.IdentityModel.Tokens;
using Microsoft.OpenApi;
using NextGenCrm.ServiceDefaults;
using NextGenCrm.Silo.Configuration;

namespace NextGenCrm.Silo.Security;

public static class SecurityExtensions
{
    /// <summary>Bearer tokens on every /api/v1 call: self-issued (Development) or the bank's provider (Oidc).</summary>
    public static IServiceCollection AddApiSecurity(this IServiceCollection services, IConfiguration configuration)
    {
        // The scheme is set up from the settings now; code reads them as IOptions<AuthOptions>.
        var auth = configuration.GetValidatedOptions<AuthOptions, AuthOptionsValidator>(AuthOptions.SectionName);
        services.AddValidatedOptions<AuthOptions, AuthOptionsValidator>(AuthOptions.SectionName);

        var validation = new TokenValidationParameters
        {
            ValidAudiences = auth.Audiences,
            NameClaimType = auth.SubjectClaim,
            ClockSkew = auth.ClockSkew,
            RequireExpirationTime = true,
            RequireSignedTokens = true,
        };
        if (auth.AudienceClaim != "aud")
        {
            // Cognito access tokens name their app client in client_id and carry no aud.
            validation.AudienceValidator = (_, token, _) =>
                token is Microsoft.IdentityModel.JsonWebTokens.JsonWebToken jwt
                && jwt.TryGetPayloadValue<string>(auth.AudienceClaim, out var audience)
                && auth.Audiences.Contains(audience, StringComparer.Ordinal);
        }
        if (auth.Mode == AuthMode.Development)
        {
            var key = SigningKeyFile.LoadOrCreate(auth.KeyFileIn(configuration.GetValidatedOptions<LocalStoreOptions, LocalStoreOptionsValidator>(LocalStoreOptions.SectionName)));
            validation.ValidIssuer = AuthOptions.DevelopmentIssuer;
            validation.IssuerSigningKey = key;
            validation.ValidAlgorithms = [SecurityAlgorithms.HmacSha256];
            services.AddSingleton(sp => new DevelopmentTokens(key, auth.Audiences[0], TimeProvider.System));
        }
        else
        {
            // Asymmetric keys only: a provider's token is never signed with a shared secret.
            validation.ValidAlgorithms = [SecurityAlgorithms.RsaSha256, SecurityAlgorithms.RsaSha384, SecurityAlgorithms.RsaSha512,
                SecurityAlgorithms.EcdsaSha256, SecurityAlgorithms.EcdsaSha384, SecurityAlgorithms.EcdsaSha512];
        }

        services.AddAuthentication(JwtBearerDefaults.AuthenticationScheme).AddJwtBearer(options =>
        {
            // Claim names stay as the provider wrote them ("roles", "cognito:groups"), not mapped to WS-* URIs.
            options.MapInboundClaims = false;
            options.TokenValidationParameters = validation;
            options.TokenHandlers.Clear();
            options.TokenHandlers.Add(new ValidatedTokenCache { MapInboundClaims = false });
            if (auth.Mode == AuthMode.Oidc)
            {
                options.Authority = auth.Authority;
                options.RequireHttpsMetadata = auth.RequireHttpsMetadata;
                // A token signed with a key the cached set lacks makes the keys be read again (key rotation), at most this often.
                options.RefreshInterval = auth.KeyRefreshInterval;
                options.Events = new JwtBearerEvents { OnAuthenticationFailed = KeyRotation.RetryWithFreshKeysAsync };
            }
            // The staff page's EventSource sends no Authorization header: its GETs carry the token in the session cookie.
            options.Events ??= new JwtBearerEvents();
            options.Events.OnMessageReceived = Dashboard.DashboardSession.ReadSessionCookie;
        });
        if (auth.Mode == AuthMode.Oidc)
        {
            // After JwtBearer made its configuration manager: a key the provider retired (perhaps compromised) stops
            // working when the keys are next read, not an hour later from a "last known good" copy.
            services.PostConfigure<JwtBearerOptions>(JwtBearerDefaults.AuthenticationScheme, options =>
            {
                if (options.ConfigurationManager is Microsoft.IdentityModel.Tokens.BaseConfigurationManager manager)
                {
                    manager.UseLastKnownGoodConfiguration = false;
                }
            });
        }
        services.AddSingleton<IAuthorizationHandler, AccessHandler>();
        services.AddAuthorization(Policies.Add);
        services.AddAuditTrail(configuration);
        services.AddSingleton(new BranchRegistry(configuration));
        // Problem bodies (what a failure tells whom) are customised in one place: Apis.Http.ApiProblems.
        services.AddRateLimits(configuration);
        return services;
    }

    /// <summary>The audit trail over the host's audit log; a host of the API alone (tests, bench) gets the file log.</summary>
    public static IServiceCollection AddAuditTrail(this IServiceCollection services, IConfiguration configuration)
    {
        if (!services.Any(d => d.ServiceType == typeof(IAuditLog)))
        {
            services.AddLocalFileAuditLog(configuration);
        }
        services.AddSingleton(sp => new AuditTrail(
            sp.GetRequiredService<IAuditLog>(), sp.GetRequiredService<Microsoft.Extensions.Options.IOptions<AuthOptions>>(),
            TimeProvider.System, sp.GetRequiredService<ILogger<AuditTrail>>()));
        services.AddSingleton<IAuthorizationMiddlewareResultHandler, RefusalAudit>();
        return services;
    }

    /// <summary>The audit log as JSON lines in <c>Audit:Folder</c>, else "audit" under the silo's data folder.</summary>
    public static IServiceCollection AddLocalFileAuditLog(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddValidatedOptions<LocalAuditOptions, LocalAuditOptionsValidator>(LocalAuditOptions.SectionName)
            .PostConfigure(o => o.Folder = string.IsNullOrWhiteSpace(o.Folder)
                ? Path.Combine(configuration.GetValidatedOptions<LocalStoreOptions, LocalStoreOptionsValidator>(LocalStoreOptions.SectionName).FullDataDir, "audit")
                : Path.GetFullPath(o.Folder));
        services.AddSingleton<IAuditLog, LocalFileAuditLog>();
        return services;
    }

    /// <summary>Declares the bearer scheme in the OpenAPI document, required by every operation but the health probes.</summary>
    public static Microsoft.AspNetCore.OpenApi.OpenApiOptions AddBearerScheme(this Microsoft.AspNetCore.OpenApi.OpenApiOptions options)
    {
        options.AddDocumentTransformer((document, _, _) =>
        {
            document.Components ??= new OpenApiComponents();
            document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
            document.Components.SecuritySchemes["Bearer"] = new OpenApiSecurityScheme
            {
                Type = SecuritySchemeType.Http,
                Scheme = "bearer",
                BearerFormat = "JWT",
                Description = "A token with the caller's roles (edge, staff, enrolment, privacy, admin) and branch ids. Development mode: `dotnet run --project silo -- tokens --role staff --branch main-st`.",
            };
            document.Security = [new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference("Bearer", document)] = [] }];
            return Task.CompletedTask;
        });
        return options;
    }
}
