using System.Text.Json;
using System.Text.Json.Serialization;
using NextGenCrm.Silo.Enrolment;
using NextGenCrm.Silo.Ingest;

namespace NextGenCrm.Silo.Apis.Http;

/// <summary>How the v1 API reads requests and answers problems; called from AddSiloApi and MapNextGenCrmApi.</summary>
public static class ApiHttp
{
    /// <summary>
    /// Bodies bound by minimal APIs (JSON, camelCase, enums as kebab-case strings, at most <see cref="JsonBody.MaxDepth"/>
    /// deep; unknown fields refused by the request types), checked by minimal-API validation (data annotations and
    /// IValidatableObject on the request types and route parameters), binding refusals thrown to
    /// <see cref="BadRequestProblems"/>, every problem customised once by <see cref="ApiProblems.Customize"/>;
    /// and the application services the endpoints call.
    /// </summary>
    public static IServiceCollection AddApiHttp(this IServiceCollection services)
    {
        services.AddSingleton<CustomerEnrolmentService>();
        services.AddSingleton<CustomerImport>();
        services.AddTransient<IStartupFilter, RequestSizeLimitFallback>();
        services.AddValidation();
        services.Configure<RouteHandlerOptions>(options => options.ThrowOnBadRequest = true);
        services.AddExceptionHandler<BadRequestProblems>();
        services.AddProblemDetails(options => options.CustomizeProblemDetails = ApiProblems.Customize);
        services.ConfigureHttpJsonOptions(o =>
        {
            o.SerializerOptions.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.KebabCaseLower));
            o.SerializerOptions.DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull;
            o.SerializerOptions.MaxDepth = JsonBody.MaxDepth;
        });
        return services;
    }

    public static IEndpointRouteBuilder MapApiEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapSightingsApi();
        app.MapBranchesApi();
        app.MapVisitorsApi();
        app.MapCustomersApi();
        app.MapAuditApi();
        return app;
    }
}
