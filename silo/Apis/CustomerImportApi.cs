using NextGenCrm.Customers;
using System.Globalization;
using Sylvan.Data.Csv;
using NextGenCrm.Ports;
using NextGenCrm.Silo.Configuration;
using NextGenCrm.Silo.Ingest;
using NextGenCrm.Silo.Security;

namespace NextGenCrm.Silo.Apis;

/// <summary>
/// Bulk enrolment from a CSV of customers whose photos are in S3 (or, in the simulated mode, face tokens).
/// Rows are enrolled one by one, within Rekognition's rate limit, so a request holds at most
/// <see cref="MaxRows"/> rows: larger files are sent in parts. Every row gets its own result.
/// </summary>
public static partial class CustomerImportApi
{
    public const int MaxRows = 500;
    private const int MaxBodyBytes = 2 * 1024 * 1024;
    private static readonly string[] RequiredColumns = ["customerId", "name"];

    public static IEndpointRouteBuilder MapCustomerImportApi(this IEndpointRouteBuilder app)
    {
        app.MapPost("/api/v1/customers/import", ImportAsync).WithTags("Customers")
            .RequireAuthorization(Policies.Enrolment)
            .RequireRateLimiting(RateLimitOptions.Enrolment)
            .Audited(AuditTrail.Actions.EnrolCustomer, (http, value, audit, status) => value is ImportResponse import
                ? import.Rows.Select(r => audit.Entry(http, AuditTrail.Actions.EnrolCustomer, r.Status == "enrolled" ? 201 : 422, customerId: r.CustomerId,
                    detail: $"import line {r.Line}: {r.Status}{(r.Status == "enrolled" ? $"; {r.Consent}" : "")}"))
                : [audit.Entry(http, AuditTrail.Actions.EnrolCustomer, status, detail: "import refused as a whole")])
            .WithSummary("Enrols up to 500 customers from a CSV (customerId,name,phone,photoKey|faceToken,consentGivenAt,consentMethod); one result per row.")
            .Accepts<string>("text/csv")
            .Produces<ImportResponse>()
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge);
        return app;
    }

    private static async Task<IResult> ImportAsync(
        HttpRequest request, IFaceSearch faceSearch, ICustomerDirectory directory, FaceSearchSelection mode,
        ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        if (request.ContentLength > MaxBodyBytes)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status413PayloadTooLarge, title: "Body too large", detail: $"The CSV is larger than {MaxBodyBytes} bytes; send it in parts.");
        }
        if (!string.Equals(request.ContentType?.Split(';')[0].Trim(), "text/csv", StringComparison.OrdinalIgnoreCase))
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status415UnsupportedMediaType, title: "Unsupported media type", detail: "Send the customers as text/csv.");
        }
        var (rows, problem) = await ReadRowsAsync(request, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }
        var results = new List<ImportRowResult>(rows!.Count);
        foreach (var (row, number) in rows.Select((r, i) => (r, i + 2)))
        {
            results.Add(await EnrolRowAsync(row, number, faceSearch, directory, mode, cancellationToken));
        }
        var enrolled = results.Count(r => r.Status == "enrolled");
        LogImported(loggers.CreateLogger(typeof(CustomerImportApi)), enrolled, results.Count - enrolled);
        return TypedResults.Ok(new ImportResponse(enrolled, results.Count - enrolled, results));
    }

    private static async Task<(List<ImportRow>? Rows, IResult? Problem)> ReadRowsAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        var limited = new StreamReader(request.Body);
        var text = await ReadBoundedAsync(limited, cancellationToken);
        if (text is null)
        {
            return (null, TypedResults.Problem(statusCode: StatusCodes.Status413PayloadTooLarge, title: "Body too large", detail: $"The CSV is larger than {MaxBodyBytes} bytes; send it in parts."));
        }
        try
        {
            await using var csv = await CsvDataReader.CreateAsync(new StringReader(text), new CsvDataReaderOptions
            {
                HeaderComparer = StringComparer.OrdinalIgnoreCase,
                MaxBufferSize = MaxBodyBytes,
            }, cancellationToken);
            var header = Enumerable.Range(0, csv.FieldCount).Select(i => csv.GetName(i).Trim()).ToList();
            var missing = RequiredColumns.Where(c => !header.Contains(c, StringComparer.OrdinalIgnoreCase)).ToList();
            if (missing.Count > 0)
            {
                return (null, Malformed($"The header lacks {string.Join(", ", missing)} (columns: customerId,name,phone,photoKey,faceToken)."));
            }
            var rows = new List<ImportRow>();
            while (await csv.ReadAsync(cancellationToken))
            {
                if (rows.Count == MaxRows)
                {
                    return (null, Malformed($"A request holds at most {MaxRows} rows; send the file in parts."));
                }
                rows.Add(new ImportRow(Field(csv, header, "customerId"), Field(csv, header, "name"), Field(csv, header, "phone"), Field(csv, header, "photoKey"), Field(csv, header, "faceToken"),
                    Field(csv, header, "consentGivenAt"), Field(csv, header, "consentMethod")));
            }
            return (rows, null);
        }
        catch (CsvFormatException invalid)
        {
            return (null, Malformed($"The CSV is not well-formed near line {invalid.RowNumber}."));
        }
    }

    private static async Task<ImportRowResult> EnrolRowAsync(
        ImportRow row, int line, IFaceSearch faceSearch, ICustomerDirectory directory, FaceSearchSelection mode, CancellationToken cancellationToken)
    {
        var errors = CustomersApi.CheckCustomer(row.CustomerId, row.Name, row.Phone);
        DateTimeOffset? consentGivenAt = DateTimeOffset.TryParse(row.ConsentGivenAt, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var given) ? given : null;
        Consent.Check(row.ConsentGivenAt is null ? null : consentGivenAt ?? DateTimeOffset.MaxValue, row.ConsentMethod, DateTimeOffset.UtcNow, errors);
        FaceImage? face = null;
        if ((row.PhotoKey is null) == (row.FaceToken is null))
        {
            errors["photoKey"] = ["Exactly one of photoKey or faceToken is required."];
        }
        else if (row.FaceToken is { } token)
        {
            if (mode.Provider != FaceSearchProvider.Simulated)
            {
                errors["faceToken"] = ["faceToken is accepted only with the simulated face search; give the photo's S3 key."];
            }
            face = FaceImage.FromToken(token);
        }
        else if (!mode.AcceptsPictures)
        {
            errors["photoKey"] = ["This silo's on-premises face search has no face embedder installed: enrol by POST /api/v1/customers/{id}/faces with faceDescriptor."];
        }
        else if (!SightingValidator.IsValidImageKey(row.PhotoKey!))
        {
            errors["photoKey"] = ["photoKey must be a relative S3 key of at most 1024 characters without control characters or '..'."];
        }
        else
        {
            face = FaceImage.FromStoredImage(row.PhotoKey!);
        }
        if (errors.Count > 0)
        {
            return new ImportRowResult(line, row.CustomerId, "refused", string.Join(" ", errors.SelectMany(e => e.Value)));
        }
        try
        {
            var outcome = await CustomerEnrolment.EnrolAsync(new Customer(row.CustomerId!, row.Name!, row.Phone), face!, faceSearch, directory, cancellationToken);
            return outcome.Status switch
            {
                EnrolmentStatus.Enrolled => new ImportRowResult(line, row.CustomerId, "enrolled", null) { Consent = Consent.Describe(consentGivenAt!.Value, row.ConsentMethod!) },
                EnrolmentStatus.NoFace => new ImportRowResult(line, row.CustomerId, "refused", "No usable face in the photo."),
                _ => new ImportRowResult(line, row.CustomerId, "refused", "The customer's record belongs to another customer."),
            };
        }
        catch (Exception failure) when (failure is not OperationCanceledException)
        {
            return new ImportRowResult(line, row.CustomerId, "failed", $"Not enrolled ({failure.GetType().Name}); send this row again.");
        }
    }

    private static async Task<string?> ReadBoundedAsync(StreamReader reader, CancellationToken cancellationToken)
    {
        var buffer = new char[16 * 1024];
        var text = new System.Text.StringBuilder();
        int read;
        while ((read = await reader.ReadAsync(buffer, cancellationToken)) > 0)
        {
            if (text.Length + read > MaxBodyBytes)
            {
                return null;
            }
            text.Append(buffer, 0, read);
        }
        return text.ToString();
    }

    private static string? Field(CsvDataReader csv, List<string> header, string column)
    {
        var index = header.FindIndex(h => h.Equals(column, StringComparison.OrdinalIgnoreCase));
        return index >= 0 && index < csv.RowFieldCount && csv.GetString(index).Trim() is { Length: > 0 } value ? value : null;
    }

    private static IResult Malformed(string detail) =>
        TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Malformed CSV", detail: detail);

    [LoggerMessage(Level = LogLevel.Information, Message = "Customer import: {Enrolled} enrolled, {Refused} not")]
    private static partial void LogImported(ILogger logger, int enrolled, int refused);

    private sealed record ImportRow(string? CustomerId, string? Name, string? Phone, string? PhotoKey, string? FaceToken, string? ConsentGivenAt, string? ConsentMethod);
}

public sealed record ImportRowResult(int Line, string? CustomerId, string Status, string? Error)
{
    /// <summary>The consent recorded with the row, for its audit entry; not sent back.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public string? Consent { get; init; }
}

public sealed record ImportResponse(int Enrolled, int NotEnrolled, IReadOnlyList<ImportRowResult> Rows);
