namespace NextGenCrm.Tests.Infrastructure;

/// <summary>A customer's consent as enrolment requests carry it.</summary>
public static class TestConsent
{
    public static object Written => new { givenAt = DateTimeOffset.UtcNow.AddMinutes(-1), method = "written" };

    /// <summary>The two CSV columns of the import, and a row's values for them.</summary>
    public const string CsvColumns = "consentGivenAt,consentMethod";

    public static string CsvValues => $"{DateTimeOffset.UtcNow.AddMinutes(-1):O},written";
}
