using NextGenCrm.Customers;
using NextGenCrm.Cameras;
using NextGenCrm.Ports;
using NextGenCrm.Silo.Configuration;
using NextGenCrm.Silo.Ingest;
using NextGenCrm.Silo.Security;

namespace NextGenCrm.Silo.Apis;

/// <summary>Enrolment: putting customers' faces into the collection so their visits are recognised by name.</summary>
public static partial class CustomersApi
{
    private const int MaxEnrolmentBodyBytes = 1024 * 1024;

    public static IEndpointRouteBuilder MapCustomersApi(this IEndpointRouteBuilder app)
    {
        app.MapPost("/api/v1/customers/{customerId}/faces", EnrolFaceAsync).WithTags("Customers")
            .RequireAuthorization(Policies.Enrolment)
            .Audited(AuditTrail.Actions.EnrolCustomer)
            .RequireRateLimiting(RateLimitOptions.Enrolment)
            .WithSummary("Indexes a customer's photo (image, or faceToken in the simulated mode) under the customer id and records who it is.")
            .Accepts<FaceEnrolmentRequest>("application/json")
            .Produces<EnrolmentResponse>(StatusCodes.Status201Created)
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity);
        app.MapCustomerImportApi();
        app.MapCustomerErasureApi();
        app.MapPost("/api/v1/visitors/{visitorId}/enrol", EnrolVisitorAsync).WithTags("Visitors")
            .RequireAuthorization(Policies.Enrolment)
            .Audited(AuditTrail.Actions.EnrolVisitor)
            .RequireRateLimiting(RateLimitOptions.Enrolment)
            .WithSummary("Turns an anonymous visitor (v-…) into a customer: their next visit is recognised by name.")
            .Accepts<VisitorEnrolmentRequest>("application/json")
            .Produces<EnrolmentResponse>()
            .ProducesValidationProblem();
        return app;
    }

    private static async Task<IResult> EnrolFaceAsync(
        string customerId, HttpRequest request, IFaceSearch faceSearch, ICustomerDirectory directory, FaceSearchSelection mode,
        ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        var (body, problem) = await JsonBody.ReadAsync<FaceEnrolmentRequest>(request, MaxEnrolmentBodyBytes, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }
        var errors = CheckCustomer(customerId, body!.Name, body.Phone);
        Consent.Check(body.Consent?.GivenAt, body.Consent?.Method, DateTimeOffset.UtcNow, errors);
        var face = FaceOf(body, mode, errors);
        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors, title: "The enrolment is not valid");
        }
        Consent.Note(request.HttpContext, Consent.Describe(body.Consent!.GivenAt!.Value, body.Consent.Method!));
        var customer = new Customer(customerId, body.Name!, body.Phone);
        var outcome = await CustomerEnrolment.EnrolAsync(customer, face!, faceSearch, directory, cancellationToken);
        if (outcome.Status == EnrolmentStatus.NoFace)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status422UnprocessableEntity, title: "No face",
                detail: "No usable face was found in the photo; take another with the face clearly in view.");
        }
        LogEnrolled(loggers.CreateLogger(typeof(CustomersApi)), customerId);
        return TypedResults.Created($"/api/v1/customers/{customerId}", new EnrolmentResponse(PersonIds.OfCustomer(customerId), customerId, outcome.FaceId));
    }

    private static async Task<IResult> EnrolVisitorAsync(
        string visitorId, HttpRequest request, ICustomerDirectory directory, IGrainFactory grains, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        var (body, problem) = await JsonBody.ReadAsync<VisitorEnrolmentRequest>(request, 16 * 1024, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }
        var errors = CheckCustomer(body!.CustomerId, body.Name, body.Phone);
        Consent.Check(body.Consent?.GivenAt, body.Consent?.Method, DateTimeOffset.UtcNow, errors);
        if (!SightingValidator.IsValidId(visitorId) || !visitorId.StartsWith(PersonIds.AnonymousPrefix, StringComparison.Ordinal))
        {
            errors["visitorId"] = ["Only an anonymous visitor (an id starting with v-) can be enrolled."];
        }
        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors, title: "The enrolment is not valid");
        }
        Consent.Note(request.HttpContext, Consent.Describe(body.Consent!.GivenAt!.Value, body.Consent.Method!));
        var visitor = grains.GetGrain<IVisitorGrain>(visitorId);
        var enrolledAs = await directory.FindByFaceIdAsync(visitorId, cancellationToken);
        if (enrolledAs is null && (await visitor.GetVisits()).Count == 0)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Unknown visitor",
                detail: $"No visitor {visitorId} has been seen (or it was erased); only a visitor who was in a branch can be enrolled.");
        }
        var customer = new Customer(body.CustomerId!, body.Name!, body.Phone);
        // The directory record makes the person's next search name the customer; the visitor then hands its
        // open visit over, so a stay that began anonymous goes on as the customer's with no second task.
        if (enrolledAs is not null && enrolledAs.CustomerId != customer.CustomerId || !await directory.EnrolAsync(visitorId, customer, cancellationToken))
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "Already a customer",
                detail: $"Visitor {visitorId} is enrolled as another customer already; a visitor is never re-pointed.");
        }
        var survivorId = PersonIds.OfCustomer(customer.CustomerId);
        await visitor.MergeInto(survivorId, new VisitorProfile(VisitorKind.Customer, customer.CustomerId, customer.Name));
        LogEnrolled(loggers.CreateLogger(typeof(CustomersApi)), body.CustomerId!);
        return TypedResults.Ok(new EnrolmentResponse(survivorId, body.CustomerId!, null));
    }

    internal static Dictionary<string, string[]> CheckCustomer(string? customerId, string? name, string? phone)
    {
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        if (!SightingValidator.IsValidId(customerId))
        {
            errors["customerId"] = [SightingValidator.IdRule("customerId")];
        }
        if (string.IsNullOrWhiteSpace(name) || name.Length > 200 || name.Any(char.IsControl))
        {
            errors["name"] = ["name is required: 1-200 characters without control characters."];
        }
        if (phone is not null && (phone.Length is < 4 or > 20 || !phone.All(c => char.IsAsciiDigit(c) || c is '+' or ' ' or '-')))
        {
            errors["phone"] = ["phone must be 4-20 characters of digits, spaces, '+' or '-'."];
        }
        return errors;
    }

    private static FaceImage? FaceOf(FaceEnrolmentRequest body, FaceSearchSelection mode, Dictionary<string, string[]> errors)
    {
        if ((body.Image is not null ? 1 : 0) + (body.FaceToken is not null ? 1 : 0) + (body.FaceDescriptor is not null ? 1 : 0) != 1)
        {
            errors["image"] = ["Exactly one of image, faceToken or faceDescriptor is required."];
            return null;
        }
        if (body.FaceDescriptor is { } descriptor)
        {
            if (mode.Provider != FaceSearchProvider.OnPremises)
            {
                errors["faceDescriptor"] = ["faceDescriptor is accepted only with the on-premises face search (FaceSearch:Provider=OnPremises)."];
            }
            else if (FaceDescriptors.Problem(descriptor) is { } unusable)
            {
                errors["faceDescriptor"] = [unusable];
            }
            return FaceImage.FromDescriptor(descriptor);
        }
        if (!mode.AcceptsPictures && body.FaceToken is null)
        {
            errors["image"] = ["This silo's on-premises face search has no face embedder installed: send the face as faceDescriptor."];
            return null;
        }
        if (body.FaceToken is { } token)
        {
            if (mode.Provider != FaceSearchProvider.Simulated)
            {
                errors["faceToken"] = ["faceToken is accepted only with the simulated face search; send a photo."];
            }
            return FaceImage.FromToken(token);
        }
        var bytes = new byte[(body.Image!.Length * 3 / 4) + 3];
        if (!Convert.TryFromBase64String(body.Image, bytes, out var length) || !ImageFormats.IsJpegOrPng(bytes.AsSpan(0, length)))
        {
            errors["image"] = ["image must be base64 of a JPEG or PNG photo."];
            return null;
        }
        if (CropImages.ProblemOf(bytes.AsSpan(0, length)) is { } problem)
        {
            errors["image"] = [problem];
            return null;
        }
        return FaceImage.FromBytes(bytes.AsMemory(0, length));
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Customer {CustomerId} enrolled")]
    private static partial void LogEnrolled(ILogger logger, string customerId);
}

public sealed record FaceEnrolmentRequest(string? Name, string? Phone, string? Image, string? FaceToken, ConsentRequest? Consent, float[]? FaceDescriptor = null);

public sealed record VisitorEnrolmentRequest(string? CustomerId, string? Name, string? Phone, ConsentRequest? Consent);

public sealed record EnrolmentResponse(string VisitorId, string CustomerId, string? FaceId);
