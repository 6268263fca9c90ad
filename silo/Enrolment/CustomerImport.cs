using System.Globalization;
using NextGenCrm.Customers;
using NextGenCrm.Ports;
using NextGenCrm.Silo.Apis;
using NextGenCrm.Silo.Apis.Contracts;
using NextGenCrm.Silo.Configuration;
using NextGenCrm.Silo.Ingest;
using Sylvan.Data.Csv;

namespace NextGenCrm.Silo.Enrolment;

/// <summary>The import's answer: one result per row, or why the file as a whole is refused.</summary>
public sealed record CustomerImportOutcome(ImportResponse? Response, string? Malformed);

/// <summary>
/// Bulk enrolment from a CSV of customers whose photos are in S3 (or, in the simulated mode, face tokens).
/// Rows are enrolled one by one, within the face search's rate limit, so a request holds at most
/// <see cref="MaxRows"/> rows: larger files are sent in parts. Every row gets its own result.
/// </summary>
public sealed partial class CustomerImport(CustomerEnrolmentService enrolment, FaceSearchSelection mode, ILogger<CustomerImport> logger)
{
    public const int MaxRows = 500;
    public const int MaxBodyBytes = 2 * 1024 * 1024;
    public const string Columns = "customerId,name,phone,photoKey|faceToken,consentGivenAt,consentMethod";
    private static readonly string[] RequiredColumns = ["customerId", "name"];

    public async Task<CustomerImportOutcome> ImportAsync(TextReader csvText, CancellationToken cancellationToken)
    {
        var (rows, malformed) = await ReadRowsAsync(csvText, cancellationToken);
        if (malformed is not null)
        {
            return new CustomerImportOutcome(null, malformed);
        }
        var results = new List<ImportRowResult>(rows!.Count);
        foreach (var (row, number) in rows.Select((r, i) => (r, i + 2)))
        {
            results.Add(await EnrolRowAsync(row, number, cancellationToken));
        }
        var enrolled = results.Count(r => r.Status == "enrolled");
        LogImported(enrolled, results.Count - enrolled);
        return new CustomerImportOutcome(new ImportResponse(enrolled, results.Count - enrolled, results), null);
    }

    private static async Task<(List<ImportRow>? Rows, string? Malformed)> ReadRowsAsync(TextReader text, CancellationToken cancellationToken)
    {
        try
        {
            await using var csv = await CsvDataReader.CreateAsync(text, new CsvDataReaderOptions
            {
                HeaderComparer = StringComparer.OrdinalIgnoreCase,
                MaxBufferSize = MaxBodyBytes,
            }, cancellationToken);
            var header = Enumerable.Range(0, csv.FieldCount).Select(i => csv.GetName(i).Trim()).ToList();
            var missing = RequiredColumns.Where(c => !header.Contains(c, StringComparer.OrdinalIgnoreCase)).ToList();
            if (missing.Count > 0)
            {
                return (null, $"The header lacks {string.Join(", ", missing)} (columns: customerId,name,phone,photoKey,faceToken).");
            }
            var rows = new List<ImportRow>();
            while (await csv.ReadAsync(cancellationToken))
            {
                if (rows.Count == MaxRows)
                {
                    return (null, $"A request holds at most {MaxRows} rows; send the file in parts.");
                }
                rows.Add(new ImportRow(Field(csv, header, "customerId"), Field(csv, header, "name"), Field(csv, header, "phone"), Field(csv, header, "photoKey"),
                    Field(csv, header, "faceToken"), Field(csv, header, "consentGivenAt"), Field(csv, header, "consentMethod")));
            }
            return (rows, null);
        }
        catch (CsvFormatException invalid)
        {
            return (null, $"The CSV is not well-formed near line {invalid.RowNumber}.");
        }
    }

    private async Task<ImportRowResult> EnrolRowAsync(ImportRow row, int line, CancellationToken cancellationToken)
    {
        var errors = CustomerRules.Check(row.CustomerId, row.Name, row.Phone, idRequired: true);
        DateTimeOffset? consentGivenAt = DateTimeOffset.TryParse(row.ConsentGivenAt, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var given) ? given : null;
        ConsentRules.Check(row.ConsentGivenAt is null ? null : consentGivenAt ?? DateTimeOffset.MaxValue, row.ConsentMethod, DateTimeOffset.UtcNow, errors);
        var face = FaceOf(row, errors);
        if (errors.Count > 0)
        {
            return new ImportRowResult(line, row.CustomerId, "refused", string.Join(" ", errors.SelectMany(e => e.Value)));
        }
        try
        {
            var outcome = await enrolment.EnrolAsync(new Customer(row.CustomerId!, row.Name!, row.Phone), face!, cancellationToken);
            return outcome.Status switch
            {
                EnrolmentStatus.Enrolled => new ImportRowResult(line, row.CustomerId, "enrolled", null) { Consent = ConsentRules.Describe(consentGivenAt!.Value, row.ConsentMethod!) },
                EnrolmentStatus.NoFace => new ImportRowResult(line, row.CustomerId, "refused", "No usable face in the photo."),
                _ => new ImportRowResult(line, row.CustomerId, "refused", "The customer's record belongs to another customer."),
            };
        }
        catch (Exception failure) when (failure is not OperationCanceledException)
        {
            return new ImportRowResult(line, row.CustomerId, "failed", $"Not enrolled ({failure.GetType().Name}); send this row again.");
        }
    }

    private FaceImage? FaceOf(ImportRow row, Dictionary<string, string[]> errors)
    {
        if ((row.PhotoKey is null) == (row.FaceToken is null))
        {
            errors["photoKey"] = ["Exactly one of photoKey or faceToken is required."];
            return null;
        }
        if (row.FaceToken is { } token)
        {
            if (FaceInputs.TokenRefusal(mode, "give the photo's S3 key") is { } refused)
            {
                errors["faceToken"] = [refused];
            }
            return FaceImage.FromToken(token);
        }
        if (FaceInputs.PictureRefusal(mode, "enrol by POST /api/v1/customers/{id}/faces with faceDescriptor") is { } noPictures)
        {
            errors["photoKey"] = [noPictures];
            return null;
        }
        if (!SightingValidator.IsValidImageKey(row.PhotoKey!))
        {
            errors["photoKey"] = ["photoKey must be a relative S3 key of at most 1024 characters without control characters or '..'."];
            return null;
        }
        return FaceImage.FromStoredImage(row.PhotoKey!);
    }

    private static string? Field(CsvDataReader csv, List<string> header, string column)
    {
        var index = header.FindIndex(h => h.Equals(column, StringComparison.OrdinalIgnoreCase));
        return index >= 0 && index < csv.RowFieldCount && csv.GetString(index).Trim() is { Length: > 0 } value ? value : null;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Customer import: {Enrolled} enrolled, {Refused} not")]
    private partial void LogImported(int enrolled, int refused);

    private sealed record ImportRow(string? CustomerId, string? Name, string? Phone, string? PhotoKey, string? FaceToken, string? ConsentGivenAt, string? ConsentMethod);
}
